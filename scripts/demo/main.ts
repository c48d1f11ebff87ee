console.log('lounge demo: the cloud, edge agent and provisioning CLI are not built yet.');
console.log('What exists today: the shared token core. Run `npm test` to exercise it.');
