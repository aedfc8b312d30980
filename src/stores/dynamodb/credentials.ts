/** AWS credentials, as the AWS SDK's credential providers return them. */
export interface AwsCredentials {
  /** The access key id (`AKIA…`, or `ASIA…` for temporary credentials). */
  readonly accessKeyId: string;
  /** The secret that signs requests. */
  readonly secretAccessKey: string;
  /** The session token of temporary credentials (a role, Lambda's execution role). */
  readonly sessionToken?: string;
  /** When temporary credentials stop working; they are fetched again before then. */
  readonly expiration?: Date;
}

/** A function that returns credentials, such as the AWS SDK's `fromNodeProviderChain()` or `fromTemporaryCredentials()`. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** What the transport signs with: the current credentials, fetched again when they near their expiry. */
export interface CredentialSource {
  get(): Promise<AwsCredentials>;
}

/** Temporary credentials are fetched again this long before they expire, as the AWS SDK does. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
/** How long the container credentials endpoint may take to answer, per try. */
const CONTAINER_TIMEOUT_MS = 1000;
const CONTAINER_TRIES = 3;
/** The ECS agent's address, for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. */
const ECS_CREDENTIALS_HOST = 'http://169.254.170.2';
/** Plain-HTTP hosts the AWS SDK accepts in `AWS_CONTAINER_CREDENTIALS_FULL_URI`: loopback, ECS and EKS Pod Identity. */
const TRUSTED_HTTP_HOSTS = new Set(['localhost', '169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', '[::1]']);
/**
 * The AWS SDK's default provider chain, imported only where the environment holds no credentials
 * of its own (a laptop with profiles or SSO, EC2 instance metadata): never in a Lambda function.
 * The specifiers are built at run time so that no bundler pulls the SDK into a handler's bundle.
 */
const CHAIN_MODULES: readonly { readonly specifier: readonly string[]; readonly factory: string }[] = [
  { specifier: ['@aws-sdk', 'credential-providers'], factory: 'fromNodeProviderChain' },
  { specifier: ['@aws-sdk', 'credential-provider-node'], factory: 'defaultProvider' },
];

/**
 * Where the credentials come from, in the AWS SDK's order for what Lambda provides:
 * 1. the `credentials` option (static, or a provider);
 * 2. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: every Lambda function's
 *    execution role, read at each request (the runtime sets them before any invocation);
 * 3. the container credentials endpoint, `AWS_CONTAINER_CREDENTIALS_FULL_URI` (or `_RELATIVE_URI`)
 *    with `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN`: how
 *    Lambda delivers the role's credentials where they would outlive environment variables
 *    (SnapStart), and how ECS and EKS Pod Identity do; fetched here without the SDK;
 * 4. otherwise the AWS SDK's default chain (`fromNodeProviderChain`), imported on first use.
 * Credentials that say when they expire are fetched again {@link REFRESH_BEFORE_EXPIRY_MS} before.
 */
export function createCredentialSource(
  option: AwsCredentials | AwsCredentialsProvider | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CredentialSource {
  if (typeof option === 'function') return refreshing(option);
  if (option !== undefined) return { get: async () => option };
  let fallback: CredentialSource | undefined;
  return {
    async get() {
      const fromEnvironment = environmentCredentials(env);
      if (fromEnvironment !== undefined) return fromEnvironment;
      fallback ??=
        containerEndpoint(env) !== undefined && env.AWS_PROFILE === undefined
          ? refreshing(() => fromContainerEndpoint(env))
          : refreshing(sdkChain());
      return fallback.get();
    },
  };
}

/** Lambda's execution role credentials (and anyone's `export AWS_ACCESS_KEY_ID=...`). */
export function environmentCredentials(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

/** Caches what `provider` returns until it nears its expiry; concurrent callers share one fetch. */
export function refreshing(provider: AwsCredentialsProvider, now: () => number = Date.now): CredentialSource {
  let current: AwsCredentials | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  const fresh = (credentials: AwsCredentials) =>
    credentials.expiration === undefined || credentials.expiration.getTime() - now() > REFRESH_BEFORE_EXPIRY_MS;
  return {
    get() {
      if (current !== undefined && fresh(current)) return Promise.resolve(current);
      pending ??= provider()
        .then((credentials) => {
          current = credentials;
          return credentials;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
  };
}

function containerEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return ECS_CREDENTIALS_HOST + env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  return env.AWS_CONTAINER_CREDENTIALS_FULL_URI || undefined;
}

/** One GET of the container credentials endpoint, as the AWS SDK's `fromContainerMetadata`/`fromHttp` make it. */
export async function fromContainerEndpoint(env: NodeJS.ProcessEnv): Promise<AwsCredentials> {
  const endpoint = containerEndpoint(env);
  if (endpoint === undefined)
    throw new Error('No container credentials endpoint: AWS_CONTAINER_CREDENTIALS_FULL_URI is not set.');
  const url = new URL(endpoint);
  if (url.protocol === 'http:' && !TRUSTED_HTTP_HOSTS.has(url.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) {
    throw new Error(`The container credentials endpoint ${url.host} must be https, loopback, or the ECS or EKS agent's address.`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < CONTAINER_TRIES; attempt++) {
    try {
      // The token file is rotated (EKS Pod Identity): read it at each fetch.
      const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
      const token = tokenFile
        ? (await process.getBuiltinModule('node:fs/promises').readFile(tokenFile, 'utf8')).trim()
        : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
      return parseContainerCredentials(await getText(url, token));
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`The container credentials endpoint ${url.origin} gave no credentials: ${messageOf(lastError)}`, {
    cause: lastError,
  });
}

function parseContainerCredentials(text: string): AwsCredentials {
  const body = JSON.parse(text) as Record<string, unknown>;
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = body;
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string') {
    throw new Error('its answer has no AccessKeyId and SecretAccessKey');
  }
  const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === 'string' && { sessionToken: Token }),
    ...(expiration !== undefined && !Number.isNaN(expiration.getTime()) && { expiration }),
  };
}

function getText(url: URL, authorization: string | undefined): Promise<string> {
  // Loaded here, not at import: the Lambda environment's own credentials need no request.
  const { request: send } = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http');
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      headers: authorization ? { Authorization: authorization } : {},
      timeout: CONTAINER_TIMEOUT_MS,
    });
    request.once('timeout', () => request.destroy(new Error(`no answer within ${CONTAINER_TIMEOUT_MS} ms`)));
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(text);
        else reject(new Error(`HTTP ${status}: ${text.slice(0, 200)}`));
      });
    });
    request.end();
  });
}

/** The SDK's chain, imported on the first call, by a specifier no bundler follows. */
function sdkChain(): AwsCredentialsProvider {
  let provider: Promise<AwsCredentialsProvider> | undefined;
  return async () => {
    provider ??= loadChain();
    return (await provider)();
  };
}

async function loadChain(): Promise<AwsCredentialsProvider> {
  const failures: string[] = [];
  for (const { specifier, factory } of CHAIN_MODULES) {
    const name = specifier.join('/');
    try {
      const module = (await import(name)) as Record<string, unknown>;
      const create = module[factory];
      if (typeof create === 'function') return (create as () => AwsCredentialsProvider)();
      failures.push(`${name} has no ${factory}`);
    } catch (error) {
      failures.push(`${name}: ${messageOf(error)}`);
    }
  }
  throw new Error(
    `No AWS credentials: AWS_ACCESS_KEY_ID is not set, no container credentials endpoint is configured, and the AWS SDK's provider chain could not be loaded (${failures.join('; ')}). Set the environment variables, pass \`credentials\`, or install @aws-sdk/credential-providers.`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
