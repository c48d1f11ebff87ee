/** Limits on connections that have not logged in yet (SPEC.md section 6). */
export interface ConnectionGateLimits {
  /** In total (default 256). */
  maxPending: number;
  /** From one address (default 32): boxes of an airport may share one NAT address. */
  maxPendingPerAddress: number;
}

export const DEFAULT_GATE_LIMITS: ConnectionGateLimits = {
  maxPending: 256,
  maxPendingPerAddress: 32,
};

/**
 * Counts connections between accept and a successful login. Each one may hold a partial
 * packet of up to 64 KiB for up to 5 s, so capping them caps what strangers can make the
 * broker hold. `admit` returns the release function (idempotent), or null: close it now.
 */
export function createConnectionGate(limits: ConnectionGateLimits = DEFAULT_GATE_LIMITS) {
  let total = 0;
  const perAddress = new Map<string, number>();
  return {
    admit(address: string): (() => void) | null {
      const here = perAddress.get(address) ?? 0;
      if (total >= limits.maxPending || here >= limits.maxPendingPerAddress) return null;
      total++;
      perAddress.set(address, here + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      };
    },
    pending: () => total,
  };
}
