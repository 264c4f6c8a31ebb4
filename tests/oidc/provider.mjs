// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider (OpenID
// Certified) on 127.0.0.1 at the port given, with one confidential client. Its accounts are
// e-mail addresses: the login typed on its sign-in page is the account's e-mail address,
// verified unless it starts with "unverified.". It prints "ready" once it listens.
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id.replace(/^unverified\./, ''),
          email_verified: !id.startsWith('unverified.'),
          name: id.split('@')[0],
        };
      },
    };
  },
  // The tests' own keys and cookie secrets: a throwaway provider on the loopback.
  cookies: { keys: ['tests-only-cookie-key'] },
  pkce: { required: () => false },
});
// The sign-in page is the provider's development one, which takes any login.
provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
