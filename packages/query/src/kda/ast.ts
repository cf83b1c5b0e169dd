/** An identifier as written: unquoted ones compare case-insensitively. */
export type Ident = { text: string; quoted: boolean };

export type Interval = { n: number; unit: string };

export type WindowSpecAst = {
  partition: Expr[];
  range: Interval | undefined;
  rows: number | undefined;
  line: number;
};

export type Expr =
  | { k: 'col'; parts: Ident[]; line: number }
  | { k: 'str'; v: string; line: number }
  | { k: 'num'; v: number; line: number }
  | { k: 'star'; line: number }
  | { k: 'interval'; iv: Interval; line: number }
  | {
      k: 'call';
      name: string;
      args: Expr[];
      distinct: boolean;
      /** OVER a named window or an inline specification. */
      over: string | WindowSpecAst | undefined;
      line: number;
    }
  | { k: 'floor'; arg: Expr; unit: string | undefined; line: number }
  | { k: 'step'; arg: Expr; iv: Interval; line: number }
  | { k: 'bin'; op: string; l: Expr; r: Expr; line: number }
  | { k: 'not'; e: Expr; line: number }
  | { k: 'in'; e: Expr; list: Expr[]; negated: boolean; line: number }
  | { k: 'isnull'; e: Expr; negated: boolean; line: number }
  | { k: 'cast'; e: Expr; line: number }
  | { k: 'cursor'; select: Select; line: number };

export type FromAst =
  | { k: 'stream'; name: Ident }
  /** FROM TABLE(fn(CURSOR(SELECT ...), args...)) */
  | { k: 'table'; call: Extract<Expr, { k: 'call' }> };

export type Select = {
  items: Array<{ e: Expr; alias: Ident | undefined }>;
  from: FromAst;
  where: Expr | undefined;
  groupBy: Expr[];
  having: Expr | undefined;
  windows: Map<string, WindowSpecAst>;
  stagger: WindowSpecAst | undefined;
  line: number;
};

export type Statement =
  | { k: 'stream'; name: Ident; columns: Array<{ name: Ident; type: string }>; line: number }
  | { k: 'pump'; name: Ident; target: Ident; select: Select; line: number }
  | { k: 'select'; select: Select; line: number }
  /** A statement that did not parse, or is of a kind the translator does not know. */
  | { k: 'unknown'; line: number; head: string; reason: string };
