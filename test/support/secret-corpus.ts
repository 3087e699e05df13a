/**
 * Secret shapes the scrubber must catch, each in a text as it shows up in alerts: `secret` is the part
 * that must not survive anywhere stormgate writes. All values are made up (right shape, no real secret).
 */
export interface SecretSample {
  readonly shape: string;
  readonly text: string;
  readonly secret: string;
}

const sample = (shape: string, secret: string, around: (secret: string) => string = (value) => `failed with ${value} today`): SecretSample => ({
  shape,
  secret,
  text: around(secret),
});

const pem = (kind: string) => `-----BEGIN ${kind}-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END ${kind}-----`;

export const secretCorpus: readonly SecretSample[] = [
  // Cloud providers
  sample('AWS access key id', 'AKIAIOSFODNN7EXAMPLE'),
  sample('AWS temporary key id', 'ASIAY34FZKBOKMUTVV7A'),
  sample('AWS secret key in key=value', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', (value) => `aws_secret_access_key=${value}`),
  sample('AWS secret key in YAML', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', (value) => `AWS_SECRET_ACCESS_KEY: ${value}`),
  sample('GCP API key', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'),
  sample('GCP OAuth token', 'ya29.a0AfH6SMBx3hFExampleTokenValue1234567890'),
  sample('GCP service account key', pem('PRIVATE KEY'), (value) => `{"type":"service_account","private_key":"${value.replaceAll('\n', '\\n')}"}`),
  sample('Azure storage account key', 'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', (value) => `DefaultEndpointsProtocol=https;AccountName=acct;${value};EndpointSuffix=core.windows.net`),
  sample('Azure SAS signature', 'sXkG1sR%2BExampleSignatureValue1234%3D', (value) => `https://acct.blob.core.windows.net/c/b?sp=r&sig=${value}`),
  sample('Azure service bus key', 'SharedAccessKey=qK3x9ExampleKeyValue1234567890abcdefABCDE=', (value) => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;${value}`),
  sample('Azure client secret', 'Q~8Q8~ExampleClientSecretValue.abc123', (value) => `AZURE_CLIENT_SECRET=${value}`),
  sample('DigitalOcean token', `dop_v1_${'a1b2c3d4'.repeat(8)}`),
  // Source hosting and CI
  sample('GitHub classic token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'),
  sample('GitHub OAuth token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a'),
  sample('GitHub app token', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a'),
  sample('GitHub fine-grained token', 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab'),
  sample('GitLab personal token', 'glpat-xxxxxxxxxxxxxxxxxxxx'),
  sample('GitLab deploy token', 'gldt-AbCdEfGhIjKlMnOpQrStUv'),
  sample('GitLab runner token', 'glrt-AbCdEfGhIjKlMnOpQrStUv'),
  sample('npm token', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'),
  // Chat and SaaS
  sample('Slack bot token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'),
  sample('Slack user token', 'xoxp-123456789012-123456789012-123456789012-abcdef1234567890abcdef1234567890'),
  sample('Slack app token', 'xapp-1-A0123456789-1234567890123-abcdef1234567890'),
  sample('Slack webhook URL', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'),
  sample('Discord webhook URL', 'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'),
  sample('Stripe secret key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'),
  sample('Stripe restricted key', 'rk_test_4eC39HqLyjWDarjtT1zdp7dc'),
  sample('Stripe webhook secret', 'whsec_abcdefghijklmnopqrstuvwx'),
  sample('SendGrid key', 'SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'),
  sample('Vault token', 'hvs.CAESIExampleVaultTokenValue1234567890'),
  // HTTP credentials
  sample('Bearer token', 'abcdef0123456789ghijkl', (value) => `sent Bearer ${value} upstream`),
  sample('Authorization header with Bearer', 'abcdef0123456789ghijkl', (value) => `Authorization: Bearer ${value}`),
  sample('Basic credentials', 'YWxhZGRpbjpvcGVuc2VzYW1l', (value) => `Authorization: Basic ${value}`),
  sample('JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXNpZ24'),
  sample('cookie', 'sess=9f8e7d6c5b4a3210', (value) => `cookie=${value}`),
  sample('session id', 'a3f9c2e1b7d4', (value) => `session_id=${value}`),
  // Keys
  sample('RSA private key', pem('RSA PRIVATE KEY')),
  sample('EC private key', pem('EC PRIVATE KEY')),
  sample('PKCS#8 private key', pem('PRIVATE KEY')),
  sample('encrypted private key', pem('ENCRYPTED PRIVATE KEY')),
  sample('OpenSSH private key', pem('OPENSSH PRIVATE KEY')),
  sample('PGP private key block', '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0ExampleKeyMaterial\n-----END PGP PRIVATE KEY BLOCK-----'),
  sample('private key cut short', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHC', (value) => `key: ${value}`),
  // Passwords in URLs
  sample('URL password', 's3cr3t', (value) => `cannot reach https://admin:${value}@db.example:5432/app`),
  sample('Redis URL password, no user', 'r3d1sP4ss', (value) => `redis://:${value}@cache:6379/0`),
  sample('URL password with @', 'p@ssw0rd', (value) => `postgres://app:${value}@db:5432/app`),
  sample('URL password with :', 'pa:ss:wd', (value) => `amqp://guest:${value}@mq:5672/`),
  sample('quoted password holding the other quote', "it's-hunter2", (value) => `password: "${value}"`),
  sample('unclosed quoted password', 'abc-hunter2 and more', (value) => `password="${value}`),
  // key=value, JSON, YAML
  sample('password=', 'hunter2', (value) => `login failed: password=${value} for user app`),
  sample('passwd=', 'hunter2', (value) => `passwd=${value}`),
  sample('pwd=', 'hunter2', (value) => `Server=db;Uid=app;Pwd=${value};`),
  sample('quoted password with spaces', 'correct horse battery', (value) => `password="${value}"`),
  sample('single-quoted password with spaces', 'correct horse battery', (value) => `password='${value}' rejected`),
  sample('secret: in YAML', 'v3ryS3cret', (value) => `client_secret: ${value}`),
  sample('token= in a query string', 'abc123def456', (value) => `https://api.example/v1?token=${value}&x=1`),
  sample('apikey=', 'abc123def456', (value) => `apikey=${value}`),
  sample('api_key in JSON', 'abc123def456', (value) => `{"api_key": "${value}", "user": "app"}`),
  sample('x-api-key header', 'abc123def456', (value) => `X-Api-Key: ${value}`),
  sample('credentials=', 'abc123def456', (value) => `credentials=${value}`),
];
