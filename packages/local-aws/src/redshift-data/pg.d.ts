// pg 8 ships no types (and @types/pg is not a dependency): only what the stand-in uses.
declare module 'pg' {
  export interface FieldDef {
    name: string;
    dataTypeID: number;
    tableID: number;
    columnID: number;
  }
  export interface QueryResult<R = Record<string, unknown>> {
    command: string;
    rowCount: number | null;
    rows: R[];
    fields: FieldDef[];
  }
  export interface PoolClient {
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    release(error?: Error | boolean): void;
    processID?: number;
  }
  export interface PoolConfig {
    host?: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
    max?: number;
  }
  export class Pool {
    constructor(config?: PoolConfig);
    connect(): Promise<PoolClient>;
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): this;
  }
  export const types: {
    setTypeParser(oid: number, parser: (value: string) => unknown): void;
  };
  const pg: { Pool: typeof Pool; types: typeof types };
  export default pg;
}
