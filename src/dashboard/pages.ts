/**
 * Server-rendered HTML: the login form and the shell every dashboard page shares (navigation,
 * date-range picker, an empty <main> that public/app.js fills from the JSON API). No inline
 * script or style anywhere, so the Content-Security-Policy can stay `default-src 'self'`.
 */

export interface PageDef {
  id: string;
  path: string;
  title: string;
  /** Shown in the navigation (the label detail page is reached from the labels table). */
  nav: boolean;
}

export const PAGES: PageDef[] = [
  { id: 'overview', path: '/dashboard', title: 'Overview', nav: true },
  { id: 'labels', path: '/dashboard/labels', title: 'Labels', nav: true },
  { id: 'label', path: '/dashboard/label', title: 'Label', nav: false },
  { id: 'searches', path: '/dashboard/searches', title: 'Searches', nav: true },
  { id: 'products', path: '/dashboard/products', title: 'Products', nav: true },
  { id: 'orders', path: '/dashboard/orders', title: 'Orders', nav: true },
  { id: 'live', path: '/dashboard/live', title: 'Live feed', nav: true },
];

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · Relevo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css">
<link rel="stylesheet" href="/dashboard/assets/app.css">`;
}

/** The login form; `error` is a fixed message (never anything the visitor typed). */
export function loginPage(error?: string): string {
  return `${head('Log in')}
</head>
<body class="login">
<main class="login-box">
<h1>Relevo dashboard</h1>
<p class="muted">Log in with your store's public key and a private key.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/dashboard/login" autocomplete="off">
<label for="public_key">Public key</label>
<input id="public_key" name="public_key" required autocapitalize="off" spellcheck="false">
<label for="private_key">Private key</label>
<input id="private_key" name="private_key" type="password" required autocomplete="current-password">
<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}

/** A dashboard page's shell for the logged-in store. */
export function shellPage(page: PageDef, storeName: string): string {
  const nav = PAGES.filter((p) => p.nav)
    .map((p) => `<a href="${p.path}"${p.id === page.id || (page.id === 'label' && p.id === 'labels') ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a>`)
    .join('\n');
  return `${head(page.title)}
<script src="/dashboard/assets/uPlot.iife.min.js" defer></script>
<script src="/dashboard/assets/app.js" defer></script>
</head>
<body>
<header class="top">
<a class="brand" href="/dashboard">Relevo</a>
<span class="store" title="Store">${escapeHtml(storeName)}</span>
<nav aria-label="Dashboard pages">
${nav}
</nav>
<form class="logout" method="post" action="/dashboard/logout"><button type="submit">Log out</button></form>
</header>
<section class="range" aria-label="Date range">
<div class="presets" role="group" aria-label="Date range presets">
<button type="button" data-range="today">Today</button>
<button type="button" data-range="7d">7 days</button>
<button type="button" data-range="30d">30 days</button>
<button type="button" data-range="90d">90 days</button>
</div>
<form class="custom" id="custom-range">
<label>From <input type="date" name="from" required></label>
<label>To <input type="date" name="to" required></label>
<button type="submit">Apply</button>
</form>
<span class="range-label" id="range-label" aria-live="polite"></span>
</section>
<main id="main" data-page="${page.id}">
<h1>${escapeHtml(page.title)}</h1>
<p class="loading">Loading…</p>
</main>
</body>
</html>
`;
}

/** A page for unknown dashboard paths (logged-in visitors only). */
export function notFoundPage(): string {
  return `${head('Not found')}
</head>
<body class="login">
<main class="login-box"><h1>Not found</h1><p><a href="/dashboard">Back to the dashboard</a></p></main>
</body>
</html>
`;
}
