// A real OpenID Connect provider (panva/oidc-provider, an OpenID Certified implementation) on loopback,
// for Stegvis's tests. It is a test fixture: in-memory storage, generated keys, known test users.
//
// Usage: node provider.mjs [--port 0] [--config file.json] [--config-json '{...}'] [--fault MODE]
//                          [--exit-on-stdin-close]
//
// When it listens it prints ONE JSON line on stdout:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT,"pid":PID,"clients":[...],"accounts":[...]}
// Everything else (notices, request log) goes to stderr.
//
// Fault modes (per client through the config's "fault", or for every client with --fault): the ID token
// in the token endpoint's response is rewritten after the provider issued it:
//   nonce      re-signed with the provider's own key, `nonce` replaced by another value
//   expired    re-signed with the provider's own key, `exp` (and `iat`, `auth_time`) an hour in the past
//   audience   re-signed with the provider's own key, `aud` another client's id (and no `azp`)
//   signature  the signature bytes are flipped (header and payload untouched)
//   none       no rewriting
//
// Harness endpoints (outside the OpenID routes, loopback only):
//   POST /__harness/rotate-keys   a fresh key becomes the signing key; the previous signing key stays in the
//                                 JWKS so tokens issued before still verify; every other key is dropped.
//   GET  /__harness/state         the current key ids and clients (for debugging)

import * as http from 'node:http';
import * as fs from 'node:fs';
import * as crypto from 'node:crypto';

// oidc-provider prints its notices with console.info (stdout); stdout is reserved for the ready line.
const ready = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);

const jose = await import('jose');
// loaded while the keys are generated (RSA key generation runs on libuv's thread pool)
const providerModule = import('oidc-provider');
let Provider;

const LOA3 = 'http://id.elegnamnden.se/loa/1.0/loa3';
const LOA2 = 'http://id.elegnamnden.se/loa/1.0/loa2';
const FAULTS = new Set(['none', 'nonce', 'expired', 'audience', 'signature']);

const DEFAULT_REDIRECTS = ['http://127.0.0.1/auth/oidc/callback', 'http://localhost/auth/oidc/callback'];
const DEFAULT_POST_LOGOUT = ['http://127.0.0.1/', 'http://localhost/'];

function defaultClient(clientId, extra = {}) {
  return {
    client_id: clientId,
    client_secret: `${clientId}-secret`,
    redirect_uris: DEFAULT_REDIRECTS,
    post_logout_redirect_uris: DEFAULT_POST_LOGOUT,
    token_endpoint_auth_method: 'client_secret_basic',
    loopback_any_port: true,
    ...extra,
  };
}

const DEFAULT_CONFIG = {
  clients: [
    defaultClient('stegvis'),
    defaultClient('stegvis-post', { token_endpoint_auth_method: 'client_secret_post' }),
    defaultClient('stegvis-fault-nonce', { fault: 'nonce' }),
    defaultClient('stegvis-fault-expired', { fault: 'expired' }),
    defaultClient('stegvis-fault-audience', { fault: 'audience' }),
    defaultClient('stegvis-fault-signature', { fault: 'signature' }),
  ],
  accounts: [
    {
      id: 'jane', kind: 'patient', acr: LOA3,
      claims: { name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe', personnummer: '196108312460' },
    },
    {
      id: 'marita', kind: 'staff', acr: LOA3,
      claims: {
        name: 'Marita Andersson', given_name: 'Marita', family_name: 'Andersson',
        hsa_id: 'SE2321000131-E000000000001',
      },
    },
    {
      id: 'unknown-patient', kind: 'patient', acr: LOA3,
      claims: { name: 'Ulla Okänd', given_name: 'Ulla', family_name: 'Okänd', personnummer: '197309151004' },
    },
    {
      id: 'unknown-staff', kind: 'staff', acr: LOA3,
      claims: {
        name: 'Olle Okänd', given_name: 'Olle', family_name: 'Okänd',
        hsa_id: 'SE2321000131-E000000000999',
      },
    },
  ],
  acr_values: [LOA3, LOA2],
  // scope → claims it releases; "profile" carries the Swedish identifiers too, so "openid profile" is enough
  scope_claims: {
    profile: ['name', 'given_name', 'family_name', 'personnummer', 'hsa_id'],
    personnummer: ['personnummer'],
    hsa_id: ['hsa_id'],
  },
  // the ID token carries the scope's claims (oidc-provider's default puts them only in userinfo)
  id_token_claims: true,
  keys: 2,
  auto_submit_logout: true,
  log_requests: false,
};

// ---------------------------------------------------------------------------------------------- argv, config

function parseArgs(argv) {
  const out = { port: 0, config: {}, fault: undefined, exitOnStdinClose: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === '--port') out.port = Number.parseInt(value(), 10);
    else if (arg === '--config') out.config = { ...out.config, ...JSON.parse(fs.readFileSync(value(), 'utf8')) };
    else if (arg === '--config-json') out.config = { ...out.config, ...JSON.parse(value()) };
    else if (arg === '--fault') out.fault = value();
    else if (arg === '--exit-on-stdin-close') out.exitOnStdinClose = true;
    else if (arg === '--help' || arg === '-h') {
      process.stderr.write('node provider.mjs [--port 0] [--config file.json] [--config-json JSON] [--fault MODE]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error('--port must be 0..65535');
  if (out.fault !== undefined && !FAULTS.has(out.fault)) throw new Error(`--fault must be one of ${[...FAULTS]}`);
  return out;
}

const HARNESS_CLIENT_FIELDS = ['fault', 'loopback_any_port'];

function normaliseConfig(args) {
  const config = { ...DEFAULT_CONFIG, ...args.config };
  const harness = new Map(); // client_id → { fault, loopbackAnyPort }
  const clients = config.clients.map((c) => {
    if (!c.client_id) throw new Error('every client needs a client_id');
    const fault = args.fault ?? c.fault ?? 'none';
    if (!FAULTS.has(fault)) throw new Error(`client ${c.client_id}: unknown fault ${fault}`);
    harness.set(c.client_id, { fault, loopbackAnyPort: c.loopback_any_port !== false });
    const metadata = {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    };
    for (const f of HARNESS_CLIENT_FIELDS) delete metadata[f];
    return metadata;
  });
  const accounts = new Map();
  for (const a of config.accounts) {
    if (!a.id) throw new Error('every account needs an id');
    accounts.set(a.id, a);
  }
  return { config, clients, harness, accounts };
}

// ---------------------------------------------------------------------------------------------- keys

let keyCounter = 0;

async function newSigningKey() {
  keyCounter += 1;
  const kid = `key-${keyCounter}`; // numbered before the await: parallel generations keep their order
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
}

// ---------------------------------------------------------------------------------------------- HTML

const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[ch]));

const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}
</main>
</body>
</html>`;

function loginPage(uid, details, accounts, acrValues, error) {
  const params = details.params;
  const requestedAcr = (params.acr_values || '').split(' ').filter(Boolean);
  const options = acrValues.map((v) => `<option value="${esc(v)}"${requestedAcr[0] === v ? ' selected' : ''}>${esc(v)}</option>`);
  const list = [...accounts.values()].map((a) => `<li><code>${esc(a.id)}</code> (${esc(a.kind)}: ${esc(a.claims?.name ?? '')})</li>`);
  return page('Test identity provider: sign in', `
<p>Client: <code id="client-id">${esc(params.client_id)}</code></p>
${error ? `<p id="login-error" role="alert">${esc(error)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="login">Account id</label>
  <input id="login" name="login" type="text" required autofocus>
  <label for="acr">Level of assurance (optional)</label>
  <select id="acr" name="acr"><option value="">the account's own</option>${options.join('')}</select>
  <button id="login-submit" type="submit">Sign in</button>
</form>
<form id="abort-form" method="post" action="/interaction/${esc(uid)}/abort">
  <button id="abort-submit" type="submit">Cancel</button>
</form>
<p>Test accounts:</p>
<ul>${list.join('')}</ul>`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------- fault injection

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const fromB64u = (s) => Buffer.from(s, 'base64url');

async function rewriteIdToken(idToken, fault, keys, clientId) {
  const [h, p, s] = idToken.split('.');
  if (fault === 'signature') {
    const sig = fromB64u(s);
    const i = Math.floor(sig.length / 2);
    sig[i] ^= 0xff; // flip every bit of one byte in the middle: never a no-op, unlike editing a base64 char
    return `${h}.${p}.${b64u(sig)}`;
  }
  const header = JSON.parse(fromB64u(h).toString('utf8'));
  const payload = JSON.parse(fromB64u(p).toString('utf8'));
  const now = Math.floor(Date.now() / 1000);
  if (fault === 'nonce') {
    payload.nonce = `wrong-${crypto.randomBytes(8).toString('hex')}`;
  } else if (fault === 'expired') {
    payload.exp = now - 3600;
    payload.iat = now - 7200;
    if (payload.auth_time !== undefined) payload.auth_time = now - 7200;
  } else if (fault === 'audience') {
    payload.aud = `not-${clientId}`;
    delete payload.azp;
  }
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`no private key for kid ${header.kid}`);
  const key = await jose.importJWK(jwk, header.alg);
  return new jose.CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
    .setProtectedHeader(header)
    .sign(key);
}

// ---------------------------------------------------------------------------------------------- provider

function loopbackVariants(value) {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return undefined;
    u.port = '';
    return u.href;
  } catch {
    return undefined;
  }
}

function buildProvider(issuer, state) {
  const { config, clients, harness, accounts } = state.normalised;
  const scopeClaims = config.scope_claims;
  // acr, amr and auth_time ride on the openid scope so that every ID token carries them (as the Swedish
  // eID brokers do); oidc-provider would otherwise release them only when asked for with the claims parameter
  const claims = { openid: ['sub', 'acr', 'amr', 'auth_time'], sid: null, ...scopeClaims };

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: state.keys },
    cookies: {
      keys: state.cookieKeys,
      // the app under test runs on the same host (another port): cookies do not separate ports, so the
      // provider's cookie names must not collide with the app's ("session")
      names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    },
    acrValues: config.acr_values,
    claims,
    scopes: ['openid', ...Object.keys(scopeClaims)],
    conformIdTokenClaims: !config.id_token_claims,
    responseTypes: ['code'],
    pkce: { required: () => true }, // oidc-provider only supports S256
    clockTolerance: 0,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // `form` is <form id="op.logoutForm" method="post" action=".../session/end/confirm"> with the xsrf field
          const auto = config.auto_submit_logout
            ? '<script>document.getElementById("op.logoutForm").requestSubmit(document.getElementById("logout-yes"));</script>'
            : '';
          ctx.type = 'html';
          ctx.body = page('Test identity provider: sign out', `
${form}
<button id="logout-yes" type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button id="logout-no" type="submit" form="op.logoutForm">Stay signed in</button>
${auto}`);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page('Test identity provider: signed out', '<p id="logged-out">You are signed out.</p>');
        },
      },
      userinfo: { enabled: true },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, ...account.claims };
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Test identity provider: error', Object.entries(out)
        .map(([k, v]) => `<p class="error-${esc(k)}"><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('\n'));
    },
  });
  provider.proxy = false;

  // RFC 8252-style loopback redirects for every client that allows it (the app's test server picks its port)
  for (const method of ['redirectUriAllowed', 'postLogoutRedirectUriAllowed']) {
    const original = provider.Client.prototype[method];
    const listName = method === 'redirectUriAllowed' ? 'redirectUris' : 'postLogoutRedirectUris';
    provider.Client.prototype[method] = function allowed(value) {
      if (original.call(this, value)) return true;
      if (!harness.get(this.clientId)?.loopbackAnyPort) return false;
      const wanted = loopbackVariants(value);
      return wanted !== undefined && (this[listName] || []).some((u) => loopbackVariants(u) === wanted);
    };
  }

  // request log on stderr
  if (config.log_requests) {
    provider.use(async (ctx, next) => {
      await next();
      process.stderr.write(`${ctx.method} ${ctx.url} → ${ctx.status}\n`);
    });
  }

  // fault injection on the token endpoint's response
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200 || !ctx.body?.id_token) return;
    const clientId = ctx.oidc.client?.clientId;
    const fault = harness.get(clientId)?.fault ?? 'none';
    if (fault === 'none') return;
    ctx.body = { ...ctx.body, id_token: await rewriteIdToken(ctx.body.id_token, fault, state.keys, clientId) };
    process.stderr.write(`fault ${fault}: rewrote the ID token for ${clientId}\n`);
  });

  // interactions: a minimal login form (login = account id) and automatic consent
  provider.use(async (ctx, next) => {
    const m = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/.exec(ctx.path);
    if (!m) return next();
    const [, uid, action] = m;
    ctx.set('Cache-Control', 'no-store');
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');

    if (ctx.method === 'GET' && !action) {
      if (details.prompt.name === 'login') {
        ctx.type = 'html';
        ctx.body = loginPage(uid, details, accounts, config.acr_values);
        return undefined;
      }
      if (details.prompt.name === 'consent') {
        // auto-consent: grant whatever the client asked for
        const { prompt: { details: missing }, params, session } = details;
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        if (missing.missingResourceScopes) {
          for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
            grant.addResourceScope(indicator, scopes.join(' '));
          }
        }
        const grantId = await grant.save();
        const consent = details.grantId ? {} : { grantId };
        const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent });
        ctx.status = 303;
        ctx.redirect(returnTo);
        return undefined;
      }
      ctx.throw(400, `unsupported prompt ${details.prompt.name}`);
    }

    if (ctx.method === 'POST' && action === 'login') {
      const form = await readForm(ctx.req);
      const accountId = (form.get('login') || '').trim();
      const account = accounts.get(accountId);
      if (!account) {
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginPage(uid, details, accounts, config.acr_values, `Unknown account "${accountId}"`);
        return undefined;
      }
      const acr = form.get('acr') || account.acr || config.acr_values[0];
      if (!config.acr_values.includes(acr)) ctx.throw(400, `unsupported acr ${acr}`);
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
        login: { accountId, acr, amr: ['pwd'], remember: false },
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
      return undefined;
    }

    if (ctx.method === 'POST' && action === 'abort') {
      await readForm(ctx.req);
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
      return undefined;
    }
    ctx.throw(405);
    return undefined;
  });

  provider.on('server_error', (ctx, err) => process.stderr.write(`server_error: ${err.stack}\n`));
  return provider;
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const normalised = normaliseConfig(args);
  const keyCount = Math.max(1, normalised.config.keys ?? 2);
  const keys = await Promise.all(Array.from({ length: keyCount }, () => newSigningKey()));
  ({ default: Provider } = await providerModule);
  const state = {
    normalised,
    keys,
    cookieKeys: [crypto.randomBytes(32).toString('hex')],
    provider: undefined,
    callback: undefined,
  };

  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/__harness/')) {
      harnessEndpoint(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err?.stack ?? err));
      });
      return;
    }
    state.callback(req, res);
  });

  let issuer;
  const install = () => {
    state.provider = buildProvider(issuer, state);
    state.callback = state.provider.callback();
  };

  async function harnessEndpoint(req, res) {
    const path = new URL(req.url, issuer).pathname;
    const json = (status, obj) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(obj));
    };
    const describe = () => ({
      kids: state.keys.map((k) => k.kid),
      signing_kid: state.keys[0].kid,
      clients: [...normalised.harness.entries()].map(([id, h]) => ({ client_id: id, fault: h.fault })),
    });
    if (path === '/__harness/rotate-keys' && req.method === 'POST') {
      const fresh = await newSigningKey();
      state.keys = [fresh, state.keys[0]];
      // a new Provider instance with the new keystore; the in-memory storage (sessions, grants, codes) and
      // the cookie keys are shared, so a login in progress survives the rotation
      install();
      json(200, describe());
      return;
    }
    if (path === '/__harness/state' && req.method === 'GET') {
      json(200, describe());
      return;
    }
    json(404, { error: 'not_found' });
  }

  server.on('error', (err) => {
    process.stderr.write(`cannot listen: ${err.message}\n`);
    process.exit(2);
  });
  server.listen(args.port, '127.0.0.1', () => {
    const { port } = server.address();
    issuer = `http://127.0.0.1:${port}`;
    install();
    ready({
      issuer,
      port,
      pid: process.pid,
      clients: [...normalised.harness.entries()].map(([id, h]) => ({ client_id: id, fault: h.fault })),
      accounts: [...normalised.accounts.keys()],
      kids: state.keys.map((k) => k.kid),
    });
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (args.exitOnStdinClose) {
    // the Python harness holds our stdin open: when it goes away (even killed), so do we
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  process.stderr.write(`provider failed to start: ${err.stack ?? err}\n`);
  process.exit(1);
});
