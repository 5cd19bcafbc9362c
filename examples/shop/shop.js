// The example shop's one script: every page is plain HTML, and this module fills it in with
// relevo-client. The four tracking steps, as a shop does them:
//   1. a visitor ID per device: the client keeps one in a first-party cookie;
//   2. labels on every call that shows results: each slider names its placement;
//   3. a click logged for every returned product that is clicked: trackClicks(document), with
//      each slider marked by the request_id of the call that rendered it;
//   4. the sale logged on the order-success page: logSale(order).
// Plus log/product on product pages and log/email when the shopper logs in (cross-device).
import { createClient } from '/shop/relevo-client.js';

const relevo = createClient({ baseUrl: location.origin, key: 'demo' });
relevo.trackClicks(document);

const ATTRIBUTES = ['name', 'price', 'image', 'brand'];
const BASKET = 'relevo-shop-basket';
const ORDER = 'relevo-shop-order';
const EMAIL = 'relevo-shop-email';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (n) => `€${Number(n).toFixed(2)}`;
const readJson = (storage, key, fallback) => JSON.parse(storage.getItem(key) ?? 'null') ?? fallback;

function basket() {
  return readJson(localStorage, BASKET, []);
}

function saveBasket(lines) {
  localStorage.setItem(BASKET, JSON.stringify(lines));
  showBasketCount();
}

function showBasketCount() {
  const n = basket().reduce((sum, l) => sum + l.quantity, 0);
  $('basket-link').textContent = n > 0 ? `Basket (${n})` : 'Basket';
  const email = localStorage.getItem(EMAIL);
  if (email) $('account-link').textContent = email;
}

/** A product tile; data-relevo-product is what trackClicks listens for. */
function tile(id, p) {
  const image = p.image ? `<img src="${esc(p.image)}" alt="" loading="lazy" width="120" height="120">` : '';
  return `<li><a href="/shop/product.html?id=${encodeURIComponent(id)}" data-relevo-product="${esc(id)}">${image}<span class="name">${esc(p.name)}</span><span class="price">${money(p.price)}</span></a></li>`;
}

/** Fills a slider from one labelled result call; the request_id marks what that call rendered. */
async function slider(id, label, load) {
  const el = $(id);
  el.dataset.label = label;
  el.setAttribute('aria-busy', 'true');
  try {
    const answer = await load({ labels: [label], attributes: ATTRIBUTES });
    el.dataset.relevoRequest = answer.request_id;
    const tiles = answer.result.map((pid, i) => tile(pid, answer.product_data?.[i] ?? {})).join('');
    el.innerHTML = `<h2>${esc(el.dataset.title)}</h2>${tiles ? `<ul>${tiles}</ul>` : '<p class="empty">Nothing to show yet.</p>'}`;
    return answer;
  } catch (err) {
    el.innerHTML = `<h2>${esc(el.dataset.title)}</h2><p role="alert">${esc(err.message)}</p>`;
    return null;
  } finally {
    el.setAttribute('aria-busy', 'false');
  }
}

const pages = {
  index() {
    void slider('popular', 'Home - Popular', (a) => relevo.recommendations('popular', { ...a, limit: 8 }));
    void slider('for-you', 'Home - Recommended for you', (a) => relevo.recommendations('visitor/complementary', { ...a, limit: 8 }));
  },

  async product() {
    const id = params.get('id') ?? '';
    const el = $('product');
    void relevo.logProduct(id);
    void slider('bought-together', 'Product page - Bought together', (a) => relevo.recommendations('complementary', { ...a, products: [id], limit: 4 }));
    void slider('alternatives', 'Product page - Alternatives', (a) => relevo.recommendations('substituting', { ...a, products: [id], limit: 6 }));
    const [p] = await relevo.call('product/attributes', { products: [id], attributes: [...ATTRIBUTES, 'description'] });
    if (!p || !p.name) {
      el.innerHTML = '<h1>Product not found</h1>';
    } else {
      document.title = `${p.name} · Relevo demo shop`;
      el.innerHTML = `${p.image ? `<img src="${esc(p.image)}" alt="" width="240" height="240">` : ''}<div><h1>${esc(p.name)}</h1><p class="brand">${esc(p.brand)}</p><p class="price">${money(p.price)}</p><p>${esc(p.description)}</p><button id="add">Add to basket</button></div>`;
      $('add').addEventListener('click', () => {
        const lines = basket();
        const line = lines.find((l) => l.id === id);
        if (line) line.quantity += 1;
        else lines.push({ id, name: p.name, price: p.price, quantity: 1 });
        saveBasket(lines);
        $('add').textContent = 'Added ✓';
      });
    }
    el.setAttribute('aria-busy', 'false');
  },

  search() {
    const query = params.get('q') ?? '';
    const brand = params.get('brand');
    document.querySelector('#search-form input').value = query;
    $('search-title').textContent = query ? `Results for “${query}”` : 'Search';
    void slider('results', 'Search page', async (a) => {
      const answer = await relevo.search('search', { ...a, query, limit: 24, facets: ['brand', 'price'], ...(brand ? { filter: `brand = ${JSON.stringify(brand)}` } : {}) });
      renderFacets(answer, query, brand);
      return answer;
    });
  },

  basket() {
    const render = () => {
      const lines = basket();
      $('checkout').hidden = lines.length === 0;
      if (lines.length === 0) return void ($('basket').innerHTML = '<p class="empty">Your basket is empty.</p>');
      const total = lines.reduce((s, l) => s + l.price * l.quantity, 0);
      $('basket').innerHTML = `<table><tbody>${lines
        .map((l) => `<tr><td><a href="/shop/product.html?id=${encodeURIComponent(l.id)}">${esc(l.name)}</a></td><td>${l.quantity} × ${money(l.price)}</td><td><button data-remove="${esc(l.id)}">Remove</button></td></tr>`)
        .join('')}</tbody><tfoot><tr><th>Total</th><td id="total">${money(total)}</td><td></td></tr></tfoot></table>`;
    };
    $('basket').addEventListener('click', (e) => {
      const id = e.target.closest('[data-remove]')?.dataset.remove;
      if (id === undefined) return;
      saveBasket(basket().filter((l) => l.id !== id));
      render();
    });
    $('checkout').email.value = localStorage.getItem(EMAIL) ?? '';
    $('checkout').addEventListener('submit', (e) => {
      e.preventDefault();
      const email = $('checkout').email.value.trim();
      const order = { sale: `o${Date.now()}${Math.floor(Math.random() * 1000)}`, products: basket().map(({ id, price, quantity }) => ({ id, price, quantity })), ...(email ? { email } : {}) };
      sessionStorage.setItem(ORDER, JSON.stringify(order));
      location.href = '/shop/success.html';
    });
    render();
  },

  async success() {
    const status = $('order-status');
    const order = readJson(sessionStorage, ORDER, null);
    if (!order) {
      status.textContent = 'No order is waiting to be placed.';
    } else {
      try {
        await relevo.logSale(order); // idempotent on the order ID: a reload cannot count it twice
        sessionStorage.removeItem(ORDER);
        saveBasket([]);
        const total = order.products.reduce((s, l) => s + l.price * l.quantity, 0);
        status.innerHTML = `Order <strong id="order-id">${esc(order.sale)}</strong> is placed: ${money(total)}.`;
      } catch (err) {
        status.innerHTML = `<span role="alert">${esc(err.message)}</span>`;
      }
    }
    status.setAttribute('aria-busy', 'false');
  },

  account() {
    const showHistory = () => slider('history', 'Account - Recently viewed', (a) => relevo.recommendations('visitor/history', { ...a, limit: 8 }));
    const shown = (email) => {
      $('logged-in').hidden = false;
      $('logged-in').textContent = `Logged in as ${email}`;
    };
    const known = localStorage.getItem(EMAIL);
    if (known) shown(known);
    $('login').addEventListener('submit', async (e) => {
      e.preventDefault();
      const email = $('login').email.value.trim();
      await relevo.logEmail(email); // links this device's visitor to the person: history follows
      localStorage.setItem(EMAIL, email);
      shown(email);
      showBasketCount();
      await showHistory();
    });
    void showHistory();
  },
};

/** Brand facets as filter links; price ranges as information. */
function renderFacets(answer, query, brand) {
  const link = (b) => `/shop/search.html?${new URLSearchParams({ q: query, ...(b ? { brand: b } : {}) })}`;
  const brands = answer.facets?.brand ?? [];
  const prices = answer.facets?.price ?? [];
  $('facets').innerHTML = `<h2>Brand</h2><ul>${brand ? `<li><a href="${esc(link(null))}">All brands</a></li>` : ''}${brands
    .map((f) => `<li><a href="${esc(link(String(f.value ?? f.name)))}" data-facet="brand">${esc(f.name)}</a> (${f.count})</li>`)
    .join('')}</ul><h2>Price</h2><ul>${prices.map((f) => `<li>${money(f.min)} – ${money(f.max)} (${f.count})</li>`).join('')}</ul>`;
}

/** The header every page shares (logo, search, account and basket links), written once here instead of in each page. */
function renderHeader() {
  $('site-header').innerHTML = `<a class="logo" href="/shop/">Relevo demo shop</a>
  <form id="search-form" action="/shop/search.html" role="search">
    <input name="q" type="search" placeholder="Search products" aria-label="Search products">
    <button>Search</button>
  </form>
  <nav><a href="/shop/account.html" id="account-link">Account</a> <a href="/shop/basket.html" id="basket-link">Basket</a></nav>`;
}

renderHeader();
showBasketCount();
void pages[document.body.dataset.page]?.();
