import type { Expr, FromAst, Ident, Interval, Select, Statement, WindowSpecAst } from './ast.js';
import { SqlSyntaxError, type Token, tokenize } from './lexer.js';

const UNITS = new Set(['SECOND', 'MINUTE', 'HOUR', 'DAY']);
const COMPARE = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
/** Nesting depth of expressions and sub-selects: hostile input cannot overflow the stack. */
const MAX_DEPTH = 64;

/**
 * Parses KDA SQL application code into statements. A statement that does not parse becomes an
 * `unknown` statement with the reason and its line, and parsing resumes after its `;`, so one
 * bad statement never hides the others.
 */
export function parseSql(sql: string): Statement[] {
  const tokens = tokenize(sql);
  const out: Statement[] = [];
  let pos = 0;
  while (tokens[pos]!.kind !== 'end') {
    if (isOp(tokens[pos]!, ';')) {
      pos++;
      continue;
    }
    const p = new Parser(tokens, pos);
    const start = tokens[pos]!;
    try {
      out.push(p.statement());
      pos = p.pos;
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error;
      out.push({
        k: 'unknown',
        line: start.line,
        head: headOf(tokens, pos),
        reason: error.message,
      });
      while (tokens[pos]!.kind !== 'end' && !isOp(tokens[pos]!, ';')) pos++;
    }
  }
  return out;
}

function isOp(t: Token, text: string): boolean {
  return t.kind === 'op' && t.text === text;
}

function headOf(tokens: Token[], pos: number): string {
  const words: string[] = [];
  for (let i = pos; i < tokens.length && words.length < 4; i++) {
    const t = tokens[i]!;
    if (t.kind === 'end' || isOp(t, ';')) break;
    words.push(t.kind === 'string' ? `'${t.text}'` : t.text);
  }
  return words.join(' ');
}

class Parser {
  private depth = 0;

  constructor(
    private readonly t: Token[],
    public pos: number,
  ) {}

  private peek(ahead = 0): Token {
    return this.t[Math.min(this.pos + ahead, this.t.length - 1)]!;
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.kind !== 'end') this.pos++;
    return tok;
  }

  private isWord(word: string, ahead = 0): boolean {
    const tok = this.peek(ahead);
    return tok.kind === 'ident' && !tok.quoted && tok.text.toUpperCase() === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }

  private word(word: string): void {
    if (!this.acceptWord(word)) this.fail(`expected ${word}`);
  }

  private acceptOp(op: string): boolean {
    if (!isOp(this.peek(), op)) return false;
    this.pos++;
    return true;
  }

  private op(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected "${op}"`);
  }

  private fail(message: string): never {
    const tok = this.peek();
    const found = tok.kind === 'end' ? 'end of input' : `"${tok.text}"`;
    throw new SqlSyntaxError(`${message}, found ${found}`, tok.line);
  }

  private ident(): Ident {
    const tok = this.next();
    if (tok.kind !== 'ident') {
      this.pos--;
      this.fail('expected a name');
    }
    return { text: tok.text, quoted: tok.quoted };
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
  }

  statement(): Statement {
    const line = this.peek().line;
    if (this.isWord('SELECT')) {
      const select = this.select();
      this.end();
      return { k: 'select', select, line };
    }
    this.word('CREATE');
    if (this.acceptWord('OR')) this.word('REPLACE');
    if (this.acceptWord('STREAM')) {
      const name = this.ident();
      const columns: Array<{ name: Ident; type: string }> = [];
      this.op('(');
      do {
        const col = this.ident();
        columns.push({ name: col, type: this.typeText() });
      } while (this.acceptOp(','));
      this.op(')');
      this.end();
      return { k: 'stream', name, columns, line };
    }
    if (this.acceptWord('PUMP')) {
      const name = this.ident();
      this.word('AS');
      this.word('INSERT');
      this.word('INTO');
      const target = this.ident();
      if (isOp(this.peek(), '(')) {
        // Optional column list of the target: the select's order decides, as in SQL.
        this.op('(');
        do this.ident();
        while (this.acceptOp(','));
        this.op(')');
      }
      const select = this.select();
      this.end();
      return { k: 'pump', name, target, select, line };
    }
    this.fail('expected STREAM or PUMP after CREATE OR REPLACE');
  }

  private end(): void {
    if (!this.acceptOp(';') && this.peek().kind !== 'end') this.fail('expected ";"');
  }

  /** A column type: a name and an optional (precision[, scale]). */
  private typeText(): string {
    let text = this.ident().text.toUpperCase();
    if (this.acceptOp('(')) {
      const args: string[] = [];
      do args.push(this.next().text);
      while (this.acceptOp(','));
      this.op(')');
      text += `(${args.join(',')})`;
    }
    return text;
  }

  select(): Select {
    this.enter();
    const line = this.peek().line;
    this.word('SELECT');
    this.word('STREAM');
    const items: Select['items'] = [];
    do {
      const e = this.expr();
      let alias: Ident | undefined;
      if (this.acceptWord('AS')) alias = this.ident();
      else if (this.peek().kind === 'ident' && !this.isClauseWord()) alias = this.ident();
      items.push({ e, alias });
    } while (this.acceptOp(','));
    this.word('FROM');
    const from = this.from();
    const s: Select = {
      items,
      from,
      where: undefined,
      groupBy: [],
      having: undefined,
      windows: new Map(),
      stagger: undefined,
      line,
    };
    for (;;) {
      if (this.acceptWord('WHERE')) s.where = this.expr();
      else if (this.isWord('GROUP')) {
        this.pos++;
        this.word('BY');
        do s.groupBy.push(this.expr());
        while (this.acceptOp(','));
      } else if (this.acceptWord('HAVING')) s.having = this.expr();
      else if (this.acceptWord('WINDOW')) {
        do {
          const name = this.ident().text.toUpperCase();
          this.word('AS');
          s.windows.set(name, this.windowSpec());
        } while (this.acceptOp(','));
      } else if (this.acceptWord('WINDOWED')) {
        this.word('BY');
        this.word('STAGGER');
        s.stagger = this.windowSpec();
      } else break;
    }
    this.depth--;
    return s;
  }

  private isClauseWord(): boolean {
    return ['FROM', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'WINDOWED'].some((w) => this.isWord(w));
  }

  private from(): FromAst {
    if (this.isWord('TABLE') && isOp(this.peek(1), '(')) {
      this.pos += 2;
      const call = this.expr();
      this.op(')');
      if (call.k !== 'call') this.fail('expected a function call inside TABLE(...)');
      this.alias();
      return { k: 'table', call };
    }
    this.acceptWord('STREAM');
    const name = this.ident();
    // A qualified name (schema.stream): the last part names the stream.
    let last = name;
    while (this.acceptOp('.')) last = this.ident();
    this.alias();
    return { k: 'stream', name: last };
  }

  private alias(): void {
    if (this.acceptWord('AS')) this.ident();
    else if (this.peek().kind === 'ident' && !this.isClauseWord()) this.ident();
  }

  /** `(PARTITION BY e, ... RANGE INTERVAL 'n' UNIT [PRECEDING] | ROWS n PRECEDING)` */
  private windowSpec(): WindowSpecAst {
    const line = this.peek().line;
    this.op('(');
    const spec: WindowSpecAst = { partition: [], range: undefined, rows: undefined, line };
    if (this.acceptWord('PARTITION')) {
      this.word('BY');
      do spec.partition.push(this.expr());
      while (this.acceptOp(','));
    }
    if (this.acceptWord('RANGE')) {
      if (this.acceptWord('CURRENT')) {
        this.word('ROW');
        spec.range = { n: 0, unit: 'SECOND' };
      } else {
        spec.range = this.interval();
        this.acceptWord('PRECEDING');
      }
    } else if (this.acceptWord('ROWS')) {
      if (this.acceptWord('CURRENT')) {
        this.word('ROW');
        spec.rows = 0;
      } else {
        const n = this.next();
        if (n.kind !== 'number') this.fail('expected a row count');
        spec.rows = Number(n.text);
        this.word('PRECEDING');
      }
    }
    this.op(')');
    return spec;
  }

  /** `INTERVAL 'n' UNIT` (the keyword already read or not). */
  private interval(): Interval {
    this.acceptWord('INTERVAL');
    const lit = this.next();
    if (lit.kind !== 'string' && lit.kind !== 'number') this.fail("expected an interval like '1'");
    const n = Number(lit.text.trim());
    if (!Number.isInteger(n) || n < 0) {
      throw new SqlSyntaxError(`interval '${lit.text}' is not a whole number`, lit.line);
    }
    const unit = this.ident().text.toUpperCase();
    if (!UNITS.has(unit)) throw new SqlSyntaxError(`unknown interval unit ${unit}`, lit.line);
    return { n, unit };
  }

  expr(): Expr {
    this.enter();
    const e = this.or();
    this.depth--;
    return e;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isWord('OR')) {
      const line = this.next().line;
      l = { k: 'bin', op: 'OR', l, r: this.and(), line };
    }
    return l;
  }

  private and(): Expr {
    let l = this.not();
    while (this.isWord('AND')) {
      const line = this.next().line;
      l = { k: 'bin', op: 'AND', l, r: this.not(), line };
    }
    return l;
  }

  private not(): Expr {
    if (this.isWord('NOT')) {
      const line = this.next().line;
      this.enter();
      const e = this.not();
      this.depth--;
      return { k: 'not', e, line };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const l = this.additive();
    const tok = this.peek();
    if (tok.kind === 'op' && COMPARE.has(tok.text)) {
      this.pos++;
      return {
        k: 'bin',
        op: tok.text === '!=' ? '<>' : tok.text,
        l,
        r: this.additive(),
        line: tok.line,
      };
    }
    const negated = this.isWord('NOT') && (this.isWord('LIKE', 1) || this.isWord('IN', 1));
    if (negated) this.pos++;
    if (this.acceptWord('LIKE')) {
      const like: Expr = { k: 'bin', op: 'LIKE', l, r: this.additive(), line: tok.line };
      return negated ? { k: 'not', e: like, line: tok.line } : like;
    }
    if (this.acceptWord('IN')) {
      this.op('(');
      const list: Expr[] = [];
      do list.push(this.additive());
      while (this.acceptOp(','));
      this.op(')');
      return { k: 'in', e: l, list, negated, line: tok.line };
    }
    if (this.acceptWord('IS')) {
      const isNot = this.acceptWord('NOT');
      this.word('NULL');
      return { k: 'isnull', e: l, negated: isNot, line: tok.line };
    }
    return l;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    for (;;) {
      const tok = this.peek();
      if (!(isOp(tok, '+') || isOp(tok, '-') || isOp(tok, '||'))) return l;
      this.pos++;
      l = { k: 'bin', op: tok.text, l, r: this.multiplicative(), line: tok.line };
    }
  }

  private multiplicative(): Expr {
    let l = this.unary();
    for (;;) {
      const tok = this.peek();
      if (!(isOp(tok, '*') || isOp(tok, '/'))) return l;
      this.pos++;
      l = { k: 'bin', op: tok.text, l, r: this.unary(), line: tok.line };
    }
  }

  private unary(): Expr {
    const tok = this.peek();
    if (isOp(tok, '-')) {
      this.pos++;
      const n = this.peek();
      if (n.kind === 'number') {
        this.pos++;
        return { k: 'num', v: -Number(n.text), line: n.line };
      }
      this.enter();
      const e = this.unary();
      this.depth--;
      return { k: 'bin', op: '-', l: { k: 'num', v: 0, line: tok.line }, r: e, line: tok.line };
    }
    return this.primary();
  }

  private primary(): Expr {
    const tok = this.peek();
    const line = tok.line;
    if (tok.kind === 'number') {
      this.pos++;
      return { k: 'num', v: Number(tok.text), line };
    }
    if (tok.kind === 'string') {
      this.pos++;
      return { k: 'str', v: tok.text, line };
    }
    if (isOp(tok, '*')) {
      this.pos++;
      return { k: 'star', line };
    }
    if (isOp(tok, '(')) {
      this.pos++;
      const e = this.expr();
      this.op(')');
      return e;
    }
    if (tok.kind !== 'ident') this.fail('expected an expression');
    if (!tok.quoted) {
      const upper = tok.text.toUpperCase();
      if (upper === 'INTERVAL') return { k: 'interval', iv: this.interval(), line };
      if (isOp(this.peek(1), '(')) {
        if (upper === 'FLOOR') {
          this.pos += 2;
          const arg = this.expr();
          let unit: string | undefined;
          if (this.acceptWord('TO')) unit = this.ident().text.toUpperCase();
          this.op(')');
          return { k: 'floor', arg, unit, line };
        }
        if (upper === 'STEP') {
          this.pos += 2;
          const arg = this.expr();
          this.word('BY');
          const iv = this.interval();
          this.op(')');
          return { k: 'step', arg, iv, line };
        }
        if (upper === 'CAST') {
          this.pos += 2;
          const e = this.expr();
          this.word('AS');
          this.typeText();
          this.op(')');
          return { k: 'cast', e, line };
        }
        if (upper === 'CURSOR') {
          this.pos += 2;
          const select = this.select();
          this.op(')');
          return { k: 'cursor', select, line };
        }
        return this.call(upper, line);
      }
    }
    const parts: Ident[] = [this.ident()];
    while (this.acceptOp('.')) parts.push(this.ident());
    return { k: 'col', parts, line };
  }

  private call(name: string, line: number): Expr {
    this.pos += 2;
    const args: Expr[] = [];
    const distinct = this.acceptWord('DISTINCT');
    if (!distinct) this.acceptWord('ALL');
    if (!this.acceptOp(')')) {
      do args.push(this.expr());
      while (this.acceptOp(','));
      this.op(')');
    }
    let over: string | WindowSpecAst | undefined;
    if (this.acceptWord('OVER')) {
      over = isOp(this.peek(), '(') ? this.windowSpec() : this.ident().text.toUpperCase();
    }
    return { k: 'call', name, args, distinct, over, line };
  }
}
