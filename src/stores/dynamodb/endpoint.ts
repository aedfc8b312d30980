import { IdempotencyConfigError } from '../../errors.js';

/** Where requests go, and the Region they are signed for. */
export interface ResolvedEndpoint {
  readonly url: URL;
  readonly signingRegion: string;
}

export interface EndpointSettings {
  /** An explicit endpoint URL: wins over every environment variable. */
  readonly endpoint?: string;
  /** An explicit Region: wins over `AWS_REGION` and `AWS_DEFAULT_REGION`. */
  readonly region?: string;
}

/**
 * The partitions of the AWS SDK's endpoint rules for DynamoDB, in its order: the first whose
 * pattern matches the Region names the DNS suffixes. A Region no pattern matches is in `aws`.
 */
const PARTITIONS: readonly {
  readonly id: string;
  readonly pattern: RegExp;
  readonly dns: string;
  readonly dualStackDns: string;
}[] = [
  { id: 'aws', pattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dns: 'amazonaws.com', dualStackDns: 'api.aws' },
  { id: 'aws-cn', pattern: /^cn-\w+-\d+$/, dns: 'amazonaws.com.cn', dualStackDns: 'api.amazonwebservices.com.cn' },
  { id: 'aws-eusc', pattern: /^eusc-(de)-\w+-\d+$/, dns: 'amazonaws.eu', dualStackDns: 'api.amazonwebservices.eu' },
  { id: 'aws-iso', pattern: /^us-iso-\w+-\d+$/, dns: 'c2s.ic.gov', dualStackDns: 'api.aws.ic.gov' },
  { id: 'aws-iso-b', pattern: /^us-isob-\w+-\d+$/, dns: 'sc2s.sgov.gov', dualStackDns: 'api.aws.scloud' },
  { id: 'aws-iso-e', pattern: /^eu-isoe-\w+-\d+$/, dns: 'cloud.adc-e.uk', dualStackDns: 'api.cloud-aws.adc-e.uk' },
  { id: 'aws-iso-f', pattern: /^us-isof-\w+-\d+$/, dns: 'csp.hci.ic.gov', dualStackDns: 'api.aws.hci.ic.gov' },
  { id: 'aws-us-gov', pattern: /^us-gov-\w+-\d+$/, dns: 'amazonaws.com', dualStackDns: 'api.aws' },
];
/** A DNS label: what the SDK's rules accept as a Region. */
const REGION_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/**
 * The DynamoDB endpoint as the AWS SDK v3 resolves it: an explicit endpoint, else
 * `AWS_ENDPOINT_URL_DYNAMODB`, else `AWS_ENDPOINT_URL` (both ignored under
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the Region's endpoint in its partition with
 * `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT` applied. Returns undefined when no
 * Region is known and no endpoint is given: the first request then fails naming `AWS_REGION`.
 *
 * @throws {IdempotencyConfigError} for an endpoint that is not an http(s) URL, a Region that is not
 * a DNS label, or FIPS or dual-stack asked for with a custom endpoint or the `local` Region (the
 * SDK refuses the same combinations).
 */
export function resolveEndpoint(settings: EndpointSettings, env: NodeJS.ProcessEnv = process.env): ResolvedEndpoint | undefined {
  const region = settings.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (region !== undefined && !REGION_PATTERN.test(region)) {
    throw new IdempotencyConfigError(`DynamoDBStore: "${region}" is not an AWS Region name.`);
  }
  const fips = flag(env, 'AWS_USE_FIPS_ENDPOINT');
  const dualStack = flag(env, 'AWS_USE_DUALSTACK_ENDPOINT');
  const configured = settings.endpoint ?? configuredEndpoint(env);
  if (configured !== undefined) {
    if (fips)
      throw new IdempotencyConfigError('DynamoDBStore: FIPS and a custom endpoint cannot be combined (AWS_USE_FIPS_ENDPOINT).');
    if (dualStack) {
      throw new IdempotencyConfigError(
        'DynamoDBStore: dual-stack and a custom endpoint cannot be combined (AWS_USE_DUALSTACK_ENDPOINT).',
      );
    }
    // Local endpoints accept any Region; the SDK requires one, this store signs for us-east-1 without.
    return { url: parseEndpoint(configured), signingRegion: region ?? 'us-east-1' };
  }
  if (region === undefined) return undefined;
  if (region === 'local') {
    if (fips || dualStack)
      throw new IdempotencyConfigError('DynamoDBStore: FIPS and dual-stack are not available for the "local" Region.');
    return { url: new URL('http://localhost:8000'), signingRegion: 'us-east-1' };
  }
  const partition = PARTITIONS.find((candidate) => candidate.pattern.test(region)) ?? PARTITIONS[0]!;
  // GovCloud's regular endpoints already are FIPS endpoints: the rules keep their hostname.
  const fipsLabel = fips && !(partition.id === 'aws-us-gov' && !dualStack) ? '-fips' : '';
  const host = `dynamodb${fipsLabel}.${region}.${dualStack ? partition.dualStackDns : partition.dns}`;
  return { url: new URL(`https://${host}`), signingRegion: region };
}

function configuredEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (flag(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')) return undefined;
  return nonEmpty(env.AWS_ENDPOINT_URL_DYNAMODB) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IdempotencyConfigError(`DynamoDBStore: the endpoint "${text}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new IdempotencyConfigError(`DynamoDBStore: the endpoint "${text}" must be an http or https URL.`);
  }
  return url;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  return env[name]?.trim().toLowerCase() === 'true';
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
