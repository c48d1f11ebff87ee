// Placeholder until the cloud service lands (issue 4).
console.error('lounge-edge: the edge agent is not built yet.');
process.exitCode = 1;
