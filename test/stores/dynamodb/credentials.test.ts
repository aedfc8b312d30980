import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsCredentials, createCredentialSource, refreshing } from '../../../src/stores/dynamodb/credentials.js';

/** A container credentials endpoint (ECS, EKS Pod Identity, Lambda SnapStart): answers with fresh credentials each time. */
class CredentialsEndpoint {
  readonly requests: IncomingHttpHeaders[] = [];
  expiresInMs = 3_600_000;
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests.push(req.headers);
      const n = this.requests.length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          AccessKeyId: `ASIACONTAINER${n}`,
          SecretAccessKey: `secret-${n}`,
          Token: `token-${n}`,
          Expiration: new Date(Date.now() + this.expiresInMs).toISOString(),
        }),
      );
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1/credentials`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()));
  }
}

describe('the Lambda environment', () => {
  it("uses the execution role's variables, session token included, read at each request", async () => {
    const env: NodeJS.ProcessEnv = {
      AWS_ACCESS_KEY_ID: 'ASIAENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-token',
    };
    const source = createCredentialSource(undefined, env);
    expect(await source.get()).toEqual({ accessKeyId: 'ASIAENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
    env.AWS_ACCESS_KEY_ID = 'ASIAROTATED';
    delete env.AWS_SESSION_TOKEN;
    expect(await source.get()).toEqual({ accessKeyId: 'ASIAROTATED', secretAccessKey: 'env-secret' });
  });
});

describe('the container credentials endpoint', () => {
  let endpoint: CredentialsEndpoint;
  let directory: string;
  beforeAll(async () => {
    endpoint = await new CredentialsEndpoint().start();
    directory = mkdtempSync(join(tmpdir(), 'container-token-'));
  });
  afterAll(() => endpoint.stop());

  it('fetches with AWS_CONTAINER_AUTHORIZATION_TOKEN, keeps them until they near expiry, then fetches again', async () => {
    endpoint.expiresInMs = 3_600_000;
    const env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Basic token-value' };
    const source = createCredentialSource(undefined, env);
    const from = endpoint.requests.length;
    const first = await source.get();
    expect(first).toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIACONTAINER/),
      sessionToken: expect.stringMatching(/^token-/),
    });
    expect(await source.get()).toBe(first);
    expect(endpoint.requests.slice(from).map((headers) => headers.authorization)).toEqual(['Basic token-value']);

    endpoint.expiresInMs = 4 * 60_000; // inside the five-minute refresh window
    const soonExpiring = createCredentialSource(undefined, env);
    const a = await soonExpiring.get();
    const b = await soonExpiring.get();
    expect(b.accessKeyId).not.toBe(a.accessKeyId);
  });

  it('reads the token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE at each fetch (it rotates), before the variable', async () => {
    endpoint.expiresInMs = 60_000;
    const file = join(directory, 'token');
    writeFileSync(file, 'token-from-file-1\n');
    const env = {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: file,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ignored',
    };
    const source = createCredentialSource(undefined, env);
    const from = endpoint.requests.length;
    await source.get();
    writeFileSync(file, 'token-from-file-2\n');
    await source.get();
    expect(endpoint.requests.slice(from).map((headers) => headers.authorization)).toEqual([
      'token-from-file-1',
      'token-from-file-2',
    ]);
  });

  it('refuses a plain-HTTP endpoint that is neither loopback nor the ECS or EKS agent', async () => {
    const source = createCredentialSource(undefined, { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://198.51.100.7/creds' });
    await expect(source.get()).rejects.toThrow(/must be https, loopback, or the ECS or EKS agent's address/);
  });

  it('is not asked while the environment variables hold credentials', async () => {
    const from = endpoint.requests.length;
    const source = createCredentialSource(undefined, {
      AWS_ACCESS_KEY_ID: 'ASIAENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url,
    });
    expect((await source.get()).accessKeyId).toBe('ASIAENV');
    expect(endpoint.requests.length).toBe(from);
  });
});

describe('the credentials option', () => {
  it('a provider is called once while its credentials are fresh, again when they near expiry, and once for concurrent callers', async () => {
    let calls = 0;
    let now = Date.parse('2026-11-29T12:00:00Z');
    const provider = async (): Promise<AwsCredentials> => {
      calls++;
      return { accessKeyId: `AK${calls}`, secretAccessKey: 's', expiration: new Date(now + 15 * 60_000) };
    };
    const source = refreshing(provider, () => now);
    const [a, b] = await Promise.all([source.get(), source.get()]);
    expect(calls).toBe(1);
    expect(b).toBe(a);
    now += 9 * 60_000;
    expect((await source.get()).accessKeyId).toBe('AK1');
    now += 2 * 60_000; // 4 minutes left: inside the refresh window
    expect((await source.get()).accessKeyId).toBe('AK2');
  });

  it('static credentials are used as given', async () => {
    const credentials = { accessKeyId: 'AKSTATIC', secretAccessKey: 'secret' };
    expect(await createCredentialSource(credentials, { AWS_ACCESS_KEY_ID: 'ignored', AWS_SECRET_ACCESS_KEY: 'x' }).get()).toBe(
      credentials,
    );
  });
});

describe("the AWS SDK's default chain, where the environment has none", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('is imported on first use and reads a profile from the shared credentials file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'aws-profile-'));
    writeFileSync(
      join(directory, 'credentials'),
      '[bench]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n',
    );
    writeFileSync(join(directory, 'config'), '');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[name];
    Object.assign(process.env, {
      AWS_PROFILE: 'bench',
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'credentials'),
      AWS_CONFIG_FILE: join(directory, 'config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const source = createCredentialSource(undefined, process.env);
    expect(await source.get()).toMatchObject({ accessKeyId: 'AKIAPROFILE', secretAccessKey: 'profile-secret' });
  });
});
