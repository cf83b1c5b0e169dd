/** A token of KDA SQL, with the 1-based line it starts on. */
export type Token =
  | { kind: 'ident'; text: string; quoted: boolean; line: number }
  | { kind: 'string'; text: string; line: number }
  | { kind: 'number'; text: string; line: number }
  | { kind: 'op'; text: string; line: number }
  | { kind: 'end'; text: ''; line: number };

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'SqlSyntaxError';
  }
}

const OPS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '||',
  '=',
  '<',
  '>',
  '(',
  ')',
  ',',
  ';',
  '.',
  '*',
  '+',
  '-',
  '/',
];

/**
 * Splits KDA SQL into tokens: identifiers (unquoted ones compare case-insensitively, as in SQL;
 * double-quoted ones keep their case), single-quoted strings ('' escapes a quote), numbers and
 * operators. `--` and block comments are skipped. One pass, linear in the text.
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const start = line;
      i += 2;
      while (i < n && !(sql[i] === '*' && sql[i + 1] === '/')) {
        if (sql[i] === '\n') line++;
        i++;
      }
      if (i >= n) throw new SqlSyntaxError('unterminated comment', start);
      i += 2;
    } else if (c === "'" || c === '"') {
      const start = line;
      let text = '';
      i++;
      for (;;) {
        if (i >= n)
          throw new SqlSyntaxError(`unterminated ${c === "'" ? 'string' : 'identifier'}`, start);
        const d = sql[i]!;
        if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') line++;
        text += d;
        i++;
      }
      out.push(
        c === "'"
          ? { kind: 'string', text, line: start }
          : { kind: 'ident', text, quoted: true, line: start },
      );
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|^[0-9]+\.?/.exec(sql.slice(i, i + 64))!;
      out.push({ kind: 'number', text: m[0], line });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      out.push({ kind: 'ident', text: sql.slice(i, j), quoted: false, line });
      i = j;
    } else {
      const op = OPS.find((o) => sql.startsWith(o, i));
      if (op === undefined)
        throw new SqlSyntaxError(`unexpected character ${JSON.stringify(c)}`, line);
      out.push({ kind: 'op', text: op, line });
      i += op.length;
    }
  }
  out.push({ kind: 'end', text: '', line });
  return out;
}
