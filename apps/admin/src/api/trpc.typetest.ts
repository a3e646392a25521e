import { expectTypeOf } from 'vitest';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@eventlane/server/router';
import type { ApiClient } from './trpc';

/*
 * Type tests, checked by `pnpm typecheck` (this file is never run). The app calls procedures by
 * their typed paths, so a procedure renamed or removed on the server fails the typecheck where
 * the app uses it; the lines below show it for names that do not exist.
 */
declare const api: ApiClient;

// @ts-expect-error -- `stats.eventCountByType` does not exist (it is `eventCountsByType`): a renamed procedure is a type error.
void api.stats.eventCountByType.query({ eventStoreName: 'orders' });
// @ts-expect-error -- no `events.find`: the explorer's procedure is `events.search`.
void api.events.find.query({ eventStoreName: 'orders' });
// @ts-expect-error -- inputs are typed too: the store's name is required.
void api.stats.eventCountsByType.query({});
// @ts-expect-error -- and answers: a store's statistics have no `eventCount`.
void api.eventStores.get.query({ eventStoreName: 'orders' }).then((store) => store.statistics.eventCount);

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;
expectTypeOf<Inputs['events']['search']>().toHaveProperty('metadataKey');
expectTypeOf<Outputs['events']['search']['scan']['nextPosition']>().toEqualTypeOf<number | null>();
expectTypeOf<Outputs['system']['info']['storage']>().toEqualTypeOf<'sqlite' | 'mongodb'>();
expectTypeOf<Outputs['eventStores']['get']['statistics']['totalEvents']>().toEqualTypeOf<number>();
expectTypeOf<Outputs['streams']['tail']>().not.toBeNever();
