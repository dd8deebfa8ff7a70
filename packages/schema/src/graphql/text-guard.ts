import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { isStorableText } from '../shared/text.js';

/**
 * The one place every string input passes: NUL bytes and lone surrogates (text PostgreSQL cannot
 * store) are refused before execution with INVALID_INPUT naming the argument or variable path.
 */
export function unstorableText(document: DocumentNode, variables: unknown): GraphQLError | null {
  const field = badLiteral(document) ?? badVariable(variables, '');
  if (!field) return null;
  return new GraphQLError(`${field}: text may not contain NUL characters or unpaired surrogates`, {
    extensions: { code: 'INVALID_INPUT', field, http: { status: 400 } },
  });
}

// yoga's parse cache hands out one document per query text: its literals are looked at once
const literalVerdicts = new WeakMap<DocumentNode, string | null>();

function badLiteral(document: DocumentNode): string | null {
  let field = literalVerdicts.get(document);
  if (field !== undefined) return field;
  field = null;
  visit(document, {
    Argument(node) {
      visit(node.value, {
        StringValue(value) {
          if (!field && !isStorableText(value.value)) field = node.name.value;
        },
      });
    },
  });
  literalVerdicts.set(document, field);
  return field;
}

function badVariable(value: unknown, path: string): string | null {
  const at = badPath(value, !path);
  return at === null ? null : [path, ...at].filter(Boolean).join('.') || 'variables';
}

/**
 * Where in `value` the first text PostgreSQL cannot store is: the keys down to it (a bad key: the
 * object holding it, or the key itself at the top), or null. The path is built only for a bad
 * value, on the way back up: a report of 500 events passes thousands of strings, all fine.
 */
function badPath(value: unknown, top: boolean): string[] | null {
  if (typeof value === 'string') return isStorableText(value) ? null : [];
  if (value === null || typeof value !== 'object') return null;
  for (const k in value) {
    if (!isStorableText(k)) return top ? [k] : [];
    const found = badPath((value as Record<string, unknown>)[k], false);
    if (found) return (found.unshift(k), found);
  }
  return null;
}
