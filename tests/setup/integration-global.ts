// Placeholder removed when packages/local-aws lands; see that package.
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}
