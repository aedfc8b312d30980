// Loads a function's asset as the Lambda Node.js runtime does, then invokes its handler.
//
// Run as `node lambda-runtime.mjs '<invocations JSON>'` in a fresh process whose environment is the
// function's: LAMBDA_TASK_ROOT (the asset directory), _HANDLER (the Handler property, `index.handler`)
// and the function's variables. Plain JavaScript run by node itself, with no loader, no tsx and no
// NODE_PATH, so the asset resolves its imports from its own directory only, as in /var/task.
//
// The module is found the way the runtime finds it: `<root>/<module>` with no extension is
// require()d; `.js` is require()d unless the nearest package.json says "type": "module" (then
// imported); then `.mjs` is imported and `.cjs` require()d. Prints one JSON line: { loaded: false,
// error } when the module or handler cannot be loaded, else { loaded: true, invocations: [...] }.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

function nearestPackageSaysModule(directory) {
  for (let folder = directory; ; folder = dirname(folder)) {
    if (folder.endsWith('/node_modules')) return false;
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
    if (dirname(folder) === folder) return false;
  }
}

async function loadModule(root, handlerString) {
  const slash = handlerString.lastIndexOf('/');
  const moduleRoot = handlerString.slice(0, slash + 1);
  const [moduleName, ...path] = handlerString.slice(slash + 1).split('.');
  const base = resolve(root, moduleRoot, moduleName);
  const typeModule = nearestPackageSaysModule(dirname(base));
  const attempts = [
    ['', 'require'],
    ['.js', typeModule ? 'import' : 'require'],
    ['.mjs', 'import'],
    ['.cjs', 'require'],
  ];
  for (const [extension, how] of attempts) {
    const file = base + extension;
    if (!existsSync(file)) continue;
    const module = how === 'require' ? require(file) : await import(pathToFileURL(file).href);
    return { module, path, file, how };
  }
  throw Object.assign(new Error(`No ${base}{,.js,.mjs,.cjs} in the asset`), { code: 'MODULE_NOT_FOUND' });
}

function context(invocation) {
  const deadline = Date.now() + (Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) || 10) * 1000;
  return {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: '128',
    awsRequestId: `request-${invocation}`,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const describe = (error) => ({ name: error?.name, code: error?.code, message: String(error?.message ?? error) });

let handler;
let loadedAs;
try {
  const { module, path, file, how } = await loadModule(process.env.LAMBDA_TASK_ROOT, process.env._HANDLER);
  handler = path.reduce((value, key) => value?.[key], module);
  if (typeof handler !== 'function') throw new Error(`${process.env._HANDLER} is not a function exported by ${file}`);
  loadedAs = { file, how };
} catch (error) {
  report({ loaded: false, error: describe(error) });
  process.exit(1);
}

const invocations = [];
for (const [index, { event, pauseMs = 0 }] of JSON.parse(process.argv[2] ?? '[]').entries()) {
  await pause(pauseMs);
  try {
    invocations.push({ result: await handler(event, context(index)) });
  } catch (error) {
    invocations.push({ error: describe(error) });
  }
}
report({ loaded: true, ...loadedAs, invocations });
// Lambda freezes the process between invocations; here the client's open sockets would keep it alive.
process.exit(0);
