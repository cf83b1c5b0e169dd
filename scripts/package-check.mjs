// Placeholder until the packaging checks land (issue 2): package every service offline.
console.log('package-check: no services yet');
