import { hashedId } from './ids.js';
import { compareText, objects, str, CONTROLS_PUBLIC_SAFETY, type JsonObject } from './records.js';
import { formatInstant, type Instant } from './time.js';

// One digest per recurrence plan: its unresolved routes (deliver or wait) grouped by owner, plus
// the retry plan's pending retries counted against the owners of the routes they cover.

const DEFAULT_OWNER = 'release-governance';
const ROUTES_PER_OWNER = 25;

interface OwnerEntry {
  owner: string;
  route_count: number;
  retry_count: number;
  providers: Record<string, number>;
  routes: JsonObject[];
}

export interface OwnerDigestInput {
  recurrencePlan: JsonObject;
  retryPlan: JsonObject | undefined;
  now: Instant;
  generatedBy: string;
}

export function buildOwnerDigest({ recurrencePlan, retryPlan, now, generatedBy }: OwnerDigestInput): JsonObject {
  const owners = new Map<string, OwnerEntry>();
  const entry = (owner: string): OwnerEntry => {
    let found = owners.get(owner);
    if (!found) owners.set(owner, (found = { owner, route_count: 0, retry_count: 0, providers: {}, routes: [] }));
    return found;
  };

  const unresolved = objects(recurrencePlan.route_decisions).filter((r) => r.action === 'deliver' || r.action === 'wait');
  for (const route of unresolved) {
    const owner = entry(str(route.owner) || DEFAULT_OWNER);
    owner.route_count += 1;
    const provider = str(route.provider, 'unknown');
    owner.providers[provider] = (owner.providers[provider] ?? 0) + 1;
    if (owner.routes.length < ROUTES_PER_OWNER) owner.routes.push(route);
  }

  // Only this plan's retries: the seed attached every plan's retries to every digest.
  const recurrencePlanId = str(recurrencePlan.recurrence_plan_id) || 'endpoint-remediation-sla-recurrence';
  const pendingRetries = objects(retryPlan?.retry_decisions).filter(
    (d) => (d.action === 'retry' || d.action === 'wait') && str(d.recurrence_plan_id) === recurrencePlanId
  );
  for (const decision of pendingRetries) {
    const provider = str(decision.provider, 'unknown');
    for (const route of objects(decision.routes)) {
      const owner = entry(str(route.owner) || DEFAULT_OWNER);
      owner.retry_count += 1;
      owner.providers[provider] = (owner.providers[provider] ?? 0) + 1;
    }
  }

  const ownerList = [...owners.values()]
    .sort((a, b) => compareText(a.owner, b.owner))
    .map((o) => ({ ...o, providers: sortedCounts(o.providers) }));
  const generatedAt = formatInstant(now);
  const digestId = hashedId('erslaescdigest', `${recurrencePlanId}|${generatedAt}`);
  const unresolvedCount = unresolved.length;
  return {
    schema_version: 'cavra.endpoint_remediation_sla.escalation_owner_digest.v1',
    product: 'CAVRA',
    event_type: 'cavra.endpoint_remediation_sla.escalation_owner_digest',
    digest_id: digestId,
    session_id: digestId,
    recurrence_plan_id: recurrencePlanId,
    retry_plan_id: str(retryPlan?.retry_plan_id) || null,
    plan_id: str(recurrencePlan.plan_id) || null,
    generated_at: generatedAt,
    generated_by: generatedBy,
    alert_level: unresolvedCount > 0 ? 'critical' : 'healthy',
    blocked_count: unresolvedCount,
    approval_required_count: unresolvedCount,
    summary: {
      owner_count: ownerList.length,
      unresolved_route_count: unresolvedCount,
      retryable_count: pendingRetries.filter((d) => d.action === 'retry').length,
      waiting_retry_count: pendingRetries.filter((d) => d.action === 'wait').length
    },
    owners: ownerList as unknown as JsonObject[],
    controls: CONTROLS_PUBLIC_SAFETY
  };
}

export function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => compareText(a, b)));
}
