// Shared by the demo (scripts/demo/main.ts) and the end-to-end stack (e2e-stack.ts): both start
// our bins as children and must not pass them the caller's cloud or edge settings.

/** The caller's environment minus any cloud or edge setting that would leak into a child bin. */
export function childEnv(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...source };
  for (const name of Object.keys(copy)) {
    if (CLOUD_VARIABLES.test(name)) delete copy[name];
  }
  return copy;
}

// SPEC.md section 3, plus the edge's config variable: the demo and the e2e stack decide them.
const CLOUD_VARIABLES =
  /^(HOST|PORT|PUBLIC_URL|DATABASE_URL|MQTT_\w+|(LOYALTY|ENRICHMENT|CRM|IBDP)_(URL|TOKEN)|INTEGRATIONS|BOOTSTRAP_ADMIN_KEY|KEY_ENCRYPTION_KEY|VALIDITY_\w+|RATE_LIMIT|LOUNGE_EDGE_CONFIG)$/;
