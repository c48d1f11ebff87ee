// Placeholder until the cloud service lands (issue 7).
console.error('lounge-provision: the provisioning CLI is not built yet.');
process.exitCode = 1;
