/**
 * The zod the Lambda code validates with: `zod/mini`, whose functions tree-shake, so a bundle
 * carries only the checks it uses instead of the whole classic API (about 445 KiB minified).
 * zod/mini loads no locale and would answer every issue with "Invalid input"; the English locale
 * (about 3 KiB) gives the same messages as classic zod, which callers see in API error details
 * and poison-record reasons. Schema modules import `* as z` from here, so the locale is set before
 * anything is parsed. Re-exported with `export *`: re-exporting the `z` namespace object instead
 * would keep all of zod/mini in every bundle.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
