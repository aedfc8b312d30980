import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type LocalRoute, toHttpApiEvent, writeHttpApiResult } from './http-api-event.js';
import { localLambdaContext } from './lambda-context.js';

/** A handler behind the local API, with the Lambda settings it runs with. */
export interface LocalIntegration {
  readonly route: LocalRoute;
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2<unknown>>;
}

export interface DevServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A local stand-in for an HTTP API: each request becomes a payload-2.0 event for the integration
 * whose route matches, run with a fresh Lambda context; unmatched routes get API Gateway's 404 and
 * a handler that throws gets its 500, as deployed.
 */
export async function startDevServer(options: {
  readonly port: number;
  readonly host?: string;
  readonly integrations: readonly LocalIntegration[];
  readonly log?: (line: string) => void;
}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const server: Server = createServer(async (request, response) => {
    const started = Date.now();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const integration = options.integrations.find(
      (candidate) => candidate.route.method === request.method && candidate.route.path === path,
    );
    try {
      const body = await readBody(request);
      if (!integration) {
        writeHttpApiResult(response, {
          statusCode: 404,
          headers: { 'content-type': 'application/json' },
          body: '{"message":"Not Found"}',
        });
      } else {
        const event = toHttpApiEvent(request, body, integration.route);
        const result = await integration.handler(event, localLambdaContext(integration.functionName, integration.timeoutMs));
        writeHttpApiResult(response, result);
      }
    } catch (error) {
      log(`${request.method} ${path}: the handler threw ${error instanceof Error ? error.stack : String(error)}`);
      if (!response.headersSent) {
        writeHttpApiResult(response, {
          statusCode: 500,
          headers: { 'content-type': 'application/json' },
          body: '{"message":"Internal Server Error"}',
        });
      }
    }
    log(`${request.method} ${path} ${response.statusCode} ${Date.now() - started} ms`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
