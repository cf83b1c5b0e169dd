/**
 * RFC 3339 date-time with a mandatory `Z` or numeric offset: the very pattern zod 4.6's
 * `z.iso.datetime({ offset: true })` (`z.regexes.datetime({ offset: true, local: false })`) uses,
 * copied so that the runtime validators agree with the zod schemas without loading zod. A unit
 * test compares the two sources, so a zod upgrade that changes it fails loudly.
 */
export const RFC3339_DATETIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;
