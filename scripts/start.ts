// `pnpm start` runs the whole pipeline locally once issue 7 lands.
console.error('pnpm start: the local pipeline is not built yet (issue 7).');
process.exit(1);
