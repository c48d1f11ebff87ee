// Placeholder until the cloud service lands (issue 3).
console.error('lounge-cloud: the cloud service is not built yet.');
process.exitCode = 1;
