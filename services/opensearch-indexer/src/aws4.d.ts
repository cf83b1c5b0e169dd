// The part of `aws4` (the SigV4 signer the official OpenSearch client depends on) used here.
declare module 'aws4' {
  export interface Aws4Request {
    host?: string;
    path?: string;
    method?: string;
    service?: string;
    region?: string;
    body?: string;
    headers?: Record<string, string | number>;
  }
  export function sign<T extends Aws4Request>(
    request: T,
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ): T & { headers: Record<string, string | number>; path: string };
  const aws4: { sign: typeof sign };
  export default aws4;
}
