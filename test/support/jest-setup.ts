// Integration tests wait on real processes, queues and databases.
jest.setTimeout(60_000);
