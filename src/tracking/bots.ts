/**
 * Known bots and crawlers are answered like anyone and never counted. The pattern list is
 * isbot's, minus the patterns that match plain HTTP client libraries: an API setup logs sales
 * from the shop's server (curl, Guzzle, python-requests, undici …), and those are the shop, not a
 * bot. The patterns dropped are found by testing isbot's list against such user agents, so a
 * newer isbot keeps working.
 */
import { createIsbotFromList, list } from 'isbot';

const SERVER_SIDE_CLIENTS = [
  'curl/8.5.0', 'Wget/1.21', 'python-requests/2.31', 'Python-urllib/3.11', 'aiohttp/3.9', 'axios/1.6', 'node', 'node-fetch/1.0',
  'undici', 'got (https://github.com/sindresorhus/got)', 'Go-http-client/1.1', 'Java/17', 'okhttp/4.9', 'Apache-HttpClient/4.5',
  'GuzzleHttp/7', 'PHP/8.2', 'WordPress/6.4; https://shop.example', 'WooCommerce/8.0', 'Shopify', 'Magento/2.4', 'Ruby',
  'Faraday v2.7', 'libwww-perl/6', 'HTTPie/3.2', 'PostmanRuntime/7.3', 'lightMyRequest', 'autocannon', 'RestSharp/110', 'Dart/3.2',
];

const patterns = list.filter((p) => !SERVER_SIDE_CLIENTS.some((ua) => new RegExp(p, 'i').test(ua)));
const matches = createIsbotFromList(patterns);

/** True when the user agent is a known bot, crawler, monitor or headless browser. */
export function isBotUserAgent(userAgent: string): boolean {
  return userAgent !== '' && matches(userAgent);
}
