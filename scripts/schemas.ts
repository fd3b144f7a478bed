/**
 * Message schema tooling.
 *   npx tsx scripts/schemas.ts export   writes schemas/<MessageType>/v<N>.json and schemas/envelope.json
 *   npx tsx scripts/schemas.ts check    fails when the committed export differs from the code or a
 *                                       version breaks backward compatibility with the previous one
 */
import { checkSchemaExports, SCHEMAS_DIR, writeSchemaExports } from './lib/schema-export';

function main(command: string | undefined): number {
  switch (command) {
    case 'export': {
      const files = writeSchemaExports();
      console.log(`Wrote ${files.length} schema files to ${SCHEMAS_DIR}`);
      return 0;
    }
    case 'check': {
      const problems = checkSchemaExports();
      for (const { file, problem } of problems) console.error(`schemas/${file}: ${problem}`);
      if (problems.length > 0) {
        console.error(`${problems.length} schema problem(s)`);
        return 1;
      }
      console.log('Schemas are exported and backward compatible');
      return 0;
    }
    default:
      console.error('Usage: npx tsx scripts/schemas.ts <export|check>');
      return 2;
  }
}

process.exitCode = main(process.argv[2]);
