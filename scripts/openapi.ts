/**
 * OpenAPI description of the checkout API.
 *   npx tsx scripts/openapi.ts export   writes openapi/order-api.json from the zod schemas
 *   npx tsx scripts/openapi.ts check    fails when the committed file differs from the code
 */
import { checkOpenApiDocument, OPENAPI_FILE, writeOpenApiDocument } from './lib/openapi-document';

function main(command: string | undefined): number {
  switch (command) {
    case 'export':
      writeOpenApiDocument();
      console.log(`Wrote ${OPENAPI_FILE}`);
      return 0;
    case 'check': {
      const problem = checkOpenApiDocument();
      if (problem) {
        console.error(`${problem}: run 'npx tsx scripts/openapi.ts export' and commit the result`);
        return 1;
      }
      console.log('openapi/order-api.json matches the code');
      return 0;
    }
    default:
      console.error('Usage: npx tsx scripts/openapi.ts <export|check>');
      return 2;
  }
}

process.exitCode = main(process.argv[2]);
