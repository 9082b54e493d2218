/** At most this many dependencies per job (`dependsOn`). */
export const MAX_DEPENDENCIES = 100;

/** What a request of a batch says about its dependencies, before resolution. */
export interface DependencyDeclaration {
  /** The item's name within the batch, for other items' `dependsOn`. */
  ref?: string;
  /** Job ids of existing jobs, or `ref`s of other items of the same batch. */
  dependsOn?: readonly string[];
}

/** An item's dependencies, resolved: existing job ids, and indexes of items of the same batch. */
export interface ResolvedDependencies {
  existing: string[];
  siblings: number[];
}

/** A refusal: the item (0-based), its field and why. */
export interface DependencyProblem {
  index: number;
  field: 'ref' | 'dependsOn';
  message: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolves the `dependsOn` of every item of a batch: an entry equal to another item's `ref` is
 * that item (a ref wins over an id of the same spelling), any other entry must be a job id
 * (a UUID; whether it exists and whose it is, the database says). Duplicates count once. Refused:
 * a `ref` used twice, an entry that is neither, an item naming itself, and a cycle among the
 * items (reported once, at the first item of the cycle in input order, with its path). A batch
 * that resolves forms a DAG: it can be written in any order and run in dependency order.
 */
export function resolveDependencies(items: readonly DependencyDeclaration[]): {
  resolved: ResolvedDependencies[];
  problems: DependencyProblem[];
} {
  const problems: DependencyProblem[] = [];
  const byRef = new Map<string, number>();
  items.forEach((item, index) => {
    if (item.ref === undefined) return;
    if (byRef.has(item.ref))
      problems.push({
        index,
        field: 'ref',
        message: `ref "${item.ref}" is already the ref of jobs.${byRef.get(item.ref)}`,
      });
    else byRef.set(item.ref, index);
  });
  const resolved = items.map((item, index): ResolvedDependencies => {
    const existing = new Set<string>();
    const siblings = new Set<number>();
    for (const entry of item.dependsOn ?? []) {
      const sibling = byRef.get(entry);
      if (sibling === index)
        problems.push({
          index,
          field: 'dependsOn',
          message: `a job cannot depend on itself ("${entry}")`,
        });
      else if (sibling !== undefined) siblings.add(sibling);
      else if (UUID.test(entry)) existing.add(entry.toLowerCase());
      else
        problems.push({
          index,
          field: 'dependsOn',
          message: `"${entry}" is not a job id (nor the ref of another job of the batch)`,
        });
    }
    return { existing: [...existing], siblings: [...siblings] };
  });
  const cycle = findCycle(resolved.map((r) => r.siblings));
  if (cycle) {
    const name = (i: number) => items[i].ref ?? `jobs.${i}`;
    const first = Math.min(...cycle);
    const at = cycle.indexOf(first);
    const path = [...cycle.slice(at), ...cycle.slice(0, at), first].map(name).join(' → ');
    problems.push({
      index: first,
      field: 'dependsOn',
      message: `dependencies form a cycle: ${path}`,
    });
  }
  return { resolved, problems };
}

/** A cycle of the graph (edges: item → the items it depends on), as its items in order; or null. */
export function findCycle(edges: readonly (readonly number[])[]): number[] | null {
  const state = new Array<0 | 1 | 2>(edges.length).fill(0); // 0 new, 1 on the path, 2 done
  const path: number[] = [];
  // iterative depth-first search: a batch of 500 in a chain must not exhaust the stack
  for (let start = 0; start < edges.length; start++) {
    if (state[start] !== 0) continue;
    const stack: { node: number; next: number }[] = [{ node: start, next: 0 }];
    state[start] = 1;
    path.push(start);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < edges[top.node].length) {
        const to = edges[top.node][top.next++];
        if (state[to] === 1) return path.slice(path.indexOf(to));
        if (state[to] === 0) {
          state[to] = 1;
          path.push(to);
          stack.push({ node: to, next: 0 });
        }
      } else {
        state[top.node] = 2;
        path.pop();
        stack.pop();
      }
    }
  }
  return null;
}
