// A real OpenID Connect provider (the certified `oidc-provider` package) for the council sign-in tests.
//
//   PROVIDER_PORT=4010 REDIRECT_URI=http://127.0.0.1:5010/sign-in/oidc/callback \
//   POST_LOGOUT_REDIRECT_URI=http://127.0.0.1:5010/sign-in node provider.js
//
// Its own development pages do the signing in: any login name that is an e-mail address is an account
// with that address (ids starting "unverified." say the address is not verified), any password, then a
// consent page. Four clients share the app's redirect address and the secret "test-client-secret":
//   wellbeing                  behaves like any good provider;
//   wellbeing-wrong-audience   its ID tokens name another service as their audience (and this client as azp);
//   wellbeing-expired          its ID tokens expired an hour ago;
//   wellbeing-bad-signature    its ID tokens are signed with a key the provider does not publish.
// Each misbehaving client's ID token is otherwise exactly what the provider issued (same nonce, same
// subject), re-signed, so the app's refusal can only come from the one claim or signature changed.
// Prints "listening <issuer>" once it accepts connections.

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PROVIDER_PORT);
const redirectUri = process.env.REDIRECT_URI;
const postLogoutRedirectUri = process.env.POST_LOGOUT_REDIRECT_URI;
if (!port || !redirectUri || !postLogoutRedirectUri) {
  console.error('set PROVIDER_PORT, REDIRECT_URI and POST_LOGOUT_REDIRECT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const KID = 'test-signing-key';
const SECRET = 'test-client-secret';

async function signingKey() {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await jose.exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' } };
}

const published = await signingKey();
const unpublished = await signingKey(); // same kid, different key: a forged signature

const client = (clientId) => ({
  client_id: clientId,
  client_secret: SECRET,
  redirect_uris: [redirectUri],
  post_logout_redirect_uris: [postLogoutRedirectUri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: ['wellbeing', 'wellbeing-wrong-audience', 'wellbeing-expired', 'wellbeing-bad-signature'].map(client),
  jwks: { keys: [published.jwk] },
  cookies: { keys: ['test-provider-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  // Put the scopes' claims in the ID token itself, as Entra ID does.
  conformIdTokenClaims: false,
  pkce: { required: () => true }, // the app must prove the code is its own
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    if (!id.includes('@')) return undefined;
    const email = id.startsWith('unverified.') ? id.slice('unverified.'.length) : id;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email,
          email_verified: !id.startsWith('unverified.'),
          preferred_username: email,
          name: email.split('@')[0],
        };
      },
    };
  },
});

const resign = {
  // azp still names the client: only a check of aud itself can catch this one
  'wellbeing-wrong-audience': (claims) => ({ ...claims, aud: 'another-service', azp: claims.aud }),
  'wellbeing-expired': (claims) => {
    const now = Math.floor(Date.now() / 1000);
    return { ...claims, iat: now - 7200, exp: now - 3600 };
  },
  'wellbeing-bad-signature': (claims) => claims,
};

provider.use(async (ctx, next) => {
  await next();
  const clientId = ctx.oidc?.client?.clientId;
  const alter = resign[clientId];
  if (ctx.method !== 'POST' || ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token || !alter) {
    return;
  }
  const key = clientId === 'wellbeing-bad-signature' ? unpublished : published;
  const claims = alter(jose.decodeJwt(ctx.body.id_token));
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID }).sign(key.privateKey),
  };
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
