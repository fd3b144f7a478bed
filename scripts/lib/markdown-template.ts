/**
 * Fills a markdown template: the prose of a report lives in the .md file, the code supplies only
 * the measured values. A placeholder is `{{name}}` (letters, digits and `.`, `-`, `_`). Template
 * and code must agree exactly: a placeholder without a value and a value no placeholder uses are
 * both errors, so neither can drift silently.
 */
const PLACEHOLDER = /\{\{([A-Za-z0-9._-]+)\}\}/g;

export class TemplateMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateMismatchError';
  }
}

/** The placeholder names of a template, in order of first appearance. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/** `template` with every `{{name}}` replaced by `values[name]`; `where` names the template in errors. */
export function fillTemplate(
  template: string,
  values: Readonly<Record<string, string>>,
  where: string,
): string {
  const names = placeholdersOf(template);
  const missing = names.filter((name) => !Object.hasOwn(values, name));
  const unused = Object.keys(values).filter((name) => !names.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new TemplateMismatchError(
      [
        missing.length > 0 ? `${where}: no value for ${missing.map((n) => `{{${n}}}`).join(', ')}` : '',
        unused.length > 0 ? `${where}: no placeholder for ${unused.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
  return template.replace(PLACEHOLDER, (_placeholder, name: string) => values[name]!);
}
