// The client engine module for store tests that make no engine call:
// vi.mock('../../src/client/engine', () => import('../helpers/engine-stub')).
export const getEngine = () => ({});
export const newTaskId = (kind: string) => `${kind}-1`;
export const stopEngine = () => undefined;
export const subscribeEngine = async () => () => undefined;
export const onEngineCrash = () => () => undefined;
