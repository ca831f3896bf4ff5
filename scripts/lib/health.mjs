// The health gate of a rollout: GET /health/ready (D1 and KV reachable) of the deployed Worker, optionally
// pinned to one version with the `Cloudflare-Workers-Version-Overrides` header, so the check reaches the new
// version even while it serves only a share of the traffic.

/** The URL the checks go to: `--url`, else the environment's PUBLIC_ORIGIN. */
export function healthUrl(base) {
  return new URL("/health/ready", base).toString();
}

/**
 * Asks `/health/ready` up to `attempts` times, `intervalMs` apart (a new deployment can take a few seconds to
 * reach every location), and resolves to `{ ok, status }` of the last answer (status 0: no answer).
 */
export async function checkHealth(deps, { base, workerName, versionId, attempts = 6, intervalMs = 5000 }) {
  const url = healthUrl(base);
  const headers = versionId ? { "Cloudflare-Workers-Version-Overrides": `${workerName}="${versionId}"` } : {};
  let status = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await deps.fetch(url, {
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.body?.cancel();
      if (status === 200) {
        deps.log(`  ✔ ${url} → 200${versionId ? ` (version ${versionId})` : ""}`);
        return { ok: true, status };
      }
    } catch {
      status = 0;
    }
    deps.log(`  … ${url} → ${status || "no answer"} (attempt ${attempt}/${attempts})`);
    if (attempt < attempts) await deps.sleep(intervalMs);
  }
  return { ok: false, status };
}
