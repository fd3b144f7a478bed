/**
 * aws-local-stepfunctions v3 calls `Promise.withResolvers` (ES2024, Node 22 and later). The project
 * runs on Node 24 (`.nvmrc`), which `npm ci` installs into node_modules/.bin, so every npm script gets
 * it even on a machine whose own Node is older; started any other way on such a Node, the local mode
 * says so instead of failing deep inside an execution.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  throw new Error(
    `The local mode needs Node 24 (found ${process.version}): run it through npm (npm start, npm test), ` +
      'which uses the Node 24 installed in node_modules/.bin, or switch to the version in .nvmrc',
  );
}

export {};
