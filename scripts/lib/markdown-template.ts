/**
 * Markdown templates with values filled in, so a report's prose lives in markdown and the code
 * only computes the figures. The syntax, kept small on purpose:
 *
 * - `{{name}}` (letters, digits, `_`, `.` and `-`) is replaced by a value. A placeholder alone on
 *   its line whose value is empty takes its line with it, so an empty table body or list leaves no
 *   blank line behind.
 * - `<!-- when: flag -->` … `<!-- else -->` … `<!-- end -->` keeps one of two alternatives, by a
 *   boolean value; `<!-- unless: flag -->` keeps the first when the flag is false. `else` is optional.
 * - `<!-- snippet: name -->` … `<!-- end -->` names a piece the code renders on its own, once per
 *   list item or table row; it is not part of the template's body. Snippets follow the body, at the
 *   end of the file: the body ends with its last non-blank line, and blank lines between snippets
 *   are layout.
 *
 * A marker alone on its line takes its line with it. Rendering fails loudly, naming the template,
 * on a placeholder without a value, on a value that no placeholder or flag of the template (or
 * snippet) names, and on a flag without true or false, so that template and code cannot drift.
 */
import { readFileSync } from 'node:fs';

export class TemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

/** Strings and numbers fill placeholders; booleans choose `when` / `unless` alternatives. */
export type TemplateValues = Readonly<Record<string, string | number | boolean | undefined>>;

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'value';
      readonly name: string;
      /** Set when the placeholder stands alone on its line: the whitespace and newline around it. */
      readonly line?: { readonly before: string; readonly after: string };
    }
  | {
      readonly kind: 'choice';
      readonly flag: string;
      readonly negated: boolean;
      readonly whenHolds: Node[];
      readonly otherwise: Node[];
    };

interface Part {
  readonly nodes: readonly Node[];
  readonly placeholders: ReadonlySet<string>;
  readonly flags: ReadonlySet<string>;
}

const TOKEN =
  /<!--\s*(when|unless|snippet):\s*([\w-]+)\s*-->|<!--\s*(else|end)\s*-->|\{\{\s*([\w.-]+)\s*\}\}/g;

export class Template {
  private readonly body: Part;
  private readonly snippets = new Map<string, Part>();

  static read(file: string): Template {
    return new Template(readFileSync(file, 'utf8'), file);
  }

  /** @param origin names the template in error messages (its file). */
  constructor(
    text: string,
    private readonly origin: string,
  ) {
    // The body ends with its last non-blank line; the blank lines before the first snippet are layout.
    const firstSnippet = /^[ \t]*<!--\s*snippet:/m.exec(text)?.index ?? text.length;
    const source = `${text.slice(0, firstSnippet).replace(/\n\s*$/, '\n')}${text.slice(firstSnippet)}`;
    const body: Node[] = [];
    // Open blocks, innermost last; a snippet can only be the outermost.
    const open: {
      marker: string;
      name: string;
      nodes: Node[];
      choice?: Extract<Node, { kind: 'choice' }>;
    }[] = [];
    const current = (): Node[] => open.at(-1)?.nodes ?? body;
    let position = 0;
    for (const match of source.matchAll(TOKEN)) {
      const [token, opener, name, closer, placeholder] = match;
      const start = match.index;
      const lineStart = source.lastIndexOf('\n', start - 1) + 1;
      const newline = source.indexOf('\n', start + token.length);
      const lineEnd = newline === -1 ? source.length : newline + 1;
      const before = source.slice(lineStart, start);
      const after = source.slice(start + token.length, lineEnd);
      const aloneOnLine = /^[ \t]*$/.test(before) && /^[ \t]*\n?$/.test(after);
      const tokenStart = aloneOnLine ? lineStart : start;
      if (tokenStart > position) this.addText(current(), source.slice(position, tokenStart), open.length);
      position = aloneOnLine ? lineEnd : start + token.length;
      if (open.length === 0 && this.snippets.size > 0 && opener !== 'snippet') {
        throw this.error(`${token} after the snippets, where only snippets may stand`);
      }
      if (placeholder) {
        current().push({
          kind: 'value',
          name: placeholder,
          ...(aloneOnLine ? { line: { before, after } } : {}),
        });
      } else if (opener === 'snippet') {
        if (open.length > 0) throw this.error(`snippet ${name} opens inside another block`);
        if (this.snippets.has(name!)) throw this.error(`snippet ${name} is defined twice`);
        open.push({ marker: opener, name: name!, nodes: [] });
      } else if (opener) {
        const choice: Node = {
          kind: 'choice',
          flag: name!,
          negated: opener === 'unless',
          whenHolds: [],
          otherwise: [],
        };
        current().push(choice);
        open.push({ marker: opener, name: name!, nodes: choice.whenHolds, choice });
      } else if (closer === 'else') {
        const block = open.at(-1);
        if (!block?.choice || block.nodes !== block.choice.whenHolds) {
          throw this.error('<!-- else --> outside a when or unless block');
        }
        block.nodes = block.choice.otherwise;
      } else {
        const block = open.pop();
        if (!block) throw this.error('<!-- end --> without a block to close');
        if (block.marker === 'snippet')
          this.snippets.set(block.name, this.part(withoutFinalNewline(block.nodes)));
      }
    }
    const unclosed = open.at(-1);
    if (unclosed) throw this.error(`${unclosed.marker} ${unclosed.name} is never closed`);
    if (position < source.length) this.addText(body, source.slice(position), 0);
    this.body = this.part(body);
  }

  /** The template's body, outside its snippets. */
  render(values: TemplateValues = {}): string {
    return this.fill(this.body, values, this.origin);
  }

  snippet(name: string, values: TemplateValues = {}): string {
    const snippet = this.snippets.get(name);
    if (!snippet) throw this.error(`no snippet ${name}`);
    return this.fill(snippet, values, `${this.origin}, snippet ${name}`);
  }

  /** One snippet per item, joined: the rows of a table (one a line) or the items of a list in a sentence. */
  each<T>(name: string, items: readonly T[], values: (item: T) => TemplateValues, separator = '\n'): string {
    return items.map((item) => this.snippet(name, values(item))).join(separator);
  }

  private fill(part: Part, values: TemplateValues, where: string): string {
    const unused = Object.keys(values).filter(
      (name) => !part.placeholders.has(name) && !part.flags.has(name),
    );
    if (unused.length > 0) {
      throw new TemplateError(`${where}: no placeholder or flag uses ${unused.join(', ')}`);
    }
    const undecided = [...part.flags].filter((flag) => typeof values[flag] !== 'boolean');
    if (undecided.length > 0) {
      throw new TemplateError(`${where}: flag ${undecided.join(', ')} needs true or false`);
    }
    const text = (nodes: readonly Node[]): string =>
      nodes
        .map((node) => {
          if (node.kind === 'text') return node.text;
          if (node.kind === 'choice') {
            return text(Boolean(values[node.flag]) !== node.negated ? node.whenHolds : node.otherwise);
          }
          const value = values[node.name];
          if (value === undefined) throw new TemplateError(`${where}: no value for {{${node.name}}}`);
          if (typeof value === 'boolean') {
            throw new TemplateError(`${where}: {{${node.name}}} got a boolean, which only flags take`);
          }
          const filled = String(value);
          if (!node.line) return filled;
          return filled === '' ? '' : `${node.line.before}${filled}${node.line.after}`;
        })
        .join('');
    return text(part.nodes);
  }

  /** Text at the top level after the first snippet may only be the blank lines between snippets. */
  private addText(nodes: Node[], text: string, depth: number): void {
    if (depth === 0 && this.snippets.size > 0) {
      if (/^\s*$/.test(text)) return;
      throw this.error(`text after the snippets, where only snippets may stand: ${text.trim().slice(0, 40)}`);
    }
    nodes.push({ kind: 'text', text });
  }

  private part(nodes: readonly Node[]): Part {
    const placeholders = new Set<string>();
    const flags = new Set<string>();
    const collect = (list: readonly Node[]): void => {
      for (const node of list) {
        if (node.kind === 'value') placeholders.add(node.name);
        if (node.kind === 'choice') {
          flags.add(node.flag);
          collect(node.whenHolds);
          collect(node.otherwise);
        }
      }
    };
    collect(nodes);
    const both = [...flags].filter((name) => placeholders.has(name));
    if (both.length > 0) throw this.error(`${both.join(', ')} used both as a flag and as a placeholder`);
    return { nodes, placeholders, flags };
  }

  private error(message: string): TemplateError {
    return new TemplateError(`${this.origin}: ${message}`);
  }
}

/** A snippet written as lines ends where its last line ends, without that line's newline. */
function withoutFinalNewline(nodes: readonly Node[]): Node[] {
  const last = nodes.at(-1);
  if (last?.kind !== 'text' || !last.text.endsWith('\n')) return [...nodes];
  return [...nodes.slice(0, -1), { kind: 'text', text: last.text.slice(0, -1) }];
}
