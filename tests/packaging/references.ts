// What a packaged template refers to outside itself: literal ARNs and account ids (which packaging
// cannot know, so any it holds is a guess that points nowhere once deployed), and the exports of
// other stacks it imports. Pure functions over the template JSON, unit-tested on small templates
// (references.test.ts) before they run over every service packaged alone (templates.test.ts).

/** One literal that names an account or a resource the template does not own. */
export type Placeholder = { where: string; value: string };

/** One `Fn::ImportValue` whose export name is not a plain string (cannot be checked offline). */
export type DynamicImport = { where: string; value: unknown };

/** The account id AWS documentation and emulators use; never a real account. */
const ZERO_ACCOUNT = '000000000000';

/**
 * A complete ARN written out: `arn:partition:service:region:account:resource` with a literal
 * 12-digit account, or an S3 ARN (`arn:partition:s3:::bucket`), which carries no account at all.
 * Fragments such as `arn:aws:es:` inside a Fn::Join, `${AWS::AccountId}` inside a Fn::Sub, and
 * AWS-owned ARNs (account `aws`, e.g. managed policies) are not literals of this kind.
 */
function isLiteralArn(value: string): boolean {
  if (value.includes('${')) return false;
  const parts = value.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const [, , service, , account] = parts;
  if (service === 's3') return (parts[5] ?? '') !== '';
  return /^\d{12}$/.test(account ?? '');
}

function walk(node: unknown, where: string, visit: (value: unknown, where: string) => void): void {
  visit(node, where);
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, `${where}[${i}]`, visit);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`, visit);
  }
}

/**
 * Every string of the template that holds the zero account id or is a literal ARN (see
 * isLiteralArn), with where it is. A deployable template gets every ARN from a Ref, GetAtt,
 * ImportValue or a Fn::Sub of AWS::AccountId, so this list is empty.
 * @example placeholders({ Resources: { R: { Properties: { Arn: 'arn:aws:sqs:us-east-1:123456789012:q' } } } })
 * // → [{ where: 'Resources.R.Properties.Arn', value: 'arn:aws:sqs:us-east-1:123456789012:q' }]
 */
export function placeholders(template: unknown): Placeholder[] {
  const found: Placeholder[] = [];
  walk(template, '', (value, where) => {
    if (typeof value !== 'string') return;
    if (value.includes(ZERO_ACCOUNT) || isLiteralArn(value)) {
      found.push({ where: where.replace(/^\./, ''), value });
    }
  });
  return found;
}

/** Export names the template imports (`Fn::ImportValue` of a string), sorted and distinct. */
export function importedNames(template: unknown): { names: string[]; dynamic: DynamicImport[] } {
  const names = new Set<string>();
  const dynamic: DynamicImport[] = [];
  walk(template, '', (value, where) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    if (!('Fn::ImportValue' in value)) return;
    const name = (value as Record<string, unknown>)['Fn::ImportValue'];
    if (typeof name === 'string') names.add(name);
    else dynamic.push({ where: where.replace(/^\./, ''), value: name });
  });
  return { names: [...names].sort(), dynamic };
}

/** Export names of the template's Outputs (`Export.Name` given as a plain string). */
export function exportedNames(template: unknown): string[] {
  const outputs =
    template !== null && typeof template === 'object'
      ? (template as { Outputs?: Record<string, { Export?: { Name?: unknown } }> }).Outputs
      : undefined;
  return Object.values(outputs ?? {})
    .map((output) => output?.Export?.Name)
    .filter((name): name is string => typeof name === 'string')
    .sort();
}
