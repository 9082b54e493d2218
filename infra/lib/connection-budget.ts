/**
 * PostgreSQL connections the deployed service can open at its peak, against the database's
 * `max_connections`. Every api and worker task holds a pool of `DATABASE_POOL_SIZE`; ECS rolls
 * a service by starting the new tasks before it stops the old ones (maximum 200 %), so during a
 * deploy a service at its ceiling briefly runs twice its tasks. Each Lambda instance serves one
 * invocation at a time with its own pool (apps/functions: 2), so a function's reserved
 * concurrency bounds its connections. The migration task runs alone, before the services roll,
 * but old tasks are still up then.
 *
 *   peak = api pool × api max tasks × 2 + worker pool × worker max tasks × 2
 *        + Σ functions (reserved concurrency × function pool) + migration pool + admin reserve
 *   peak ≤ max_connections
 */
export interface ConnectionBudgetInput {
  apiPoolSize: number;
  apiMaxTasks: number;
  workerPoolSize: number;
  workerMaxTasks: number;
  /** Reserved concurrency of each deployed function. */
  functionConcurrency: readonly number[];
  functionPoolSize: number;
  migrationPoolSize: number;
  /** Superuser slots (RDS keeps 3 + 2 of its own) and a few for operators' psql sessions. */
  adminReserve: number;
  /** ECS deployment maximumPercent ÷ 100. */
  deploySurge: number;
  maxConnections: number;
}

export interface ConnectionBudget {
  lines: readonly { what: string; connections: number }[];
  peak: number;
  maxConnections: number;
}

export function connectionBudget(input: ConnectionBudgetInput): ConnectionBudget {
  const s = input.deploySurge;
  const lines = [
    {
      what: `api: pool ${input.apiPoolSize} × ${input.apiMaxTasks} tasks × ${s} (rolling deploy)`,
      connections: input.apiPoolSize * input.apiMaxTasks * s,
    },
    {
      what: `worker: pool ${input.workerPoolSize} × ${input.workerMaxTasks} tasks × ${s} (rolling deploy)`,
      connections: input.workerPoolSize * input.workerMaxTasks * s,
    },
    {
      what: `functions: pool ${input.functionPoolSize} × reserved concurrency ${input.functionConcurrency.join(' + ')}`,
      connections:
        input.functionPoolSize * input.functionConcurrency.reduce((sum, n) => sum + n, 0),
    },
    {
      what: `migration task: pool ${input.migrationPoolSize}`,
      connections: input.migrationPoolSize,
    },
    { what: 'superusers and operators', connections: input.adminReserve },
  ];
  return {
    lines,
    peak: lines.reduce((sum, line) => sum + line.connections, 0),
    maxConnections: input.maxConnections,
  };
}

/** The budget as text, one line per consumer, for errors and the stack's output. */
export function describeBudget(budget: ConnectionBudget): string {
  return [
    ...budget.lines.map((line) => `${line.what} = ${line.connections}`),
    `peak ${budget.peak} of max_connections ${budget.maxConnections}`,
  ].join('; ');
}

/** Throws, showing the arithmetic, when the peak exceeds the database's limit. */
export function assertWithinBudget(budget: ConnectionBudget): void {
  if (budget.peak > budget.maxConnections) {
    throw new Error(
      `PostgreSQL connection budget exceeded: ${describeBudget(budget)}. Lower a pool size, a task ` +
        'ceiling or the reserved concurrency, or raise databaseMaxConnections (README "Deploy to AWS").',
    );
  }
}
