import { Link } from './Link';

/** The tabs of a store: its overview (streams, charts) and its webhook subscriptions. */
export function StoreTabs({ store, current }: { store: string; current: 'store' | 'subscriptions' }) {
  return (
    <nav aria-label="Store sections" className="tabs">
      <Link to={{ name: 'store', store }} current={current === 'store'}>
        Overview
      </Link>
      <Link to={{ name: 'subscriptions', store }} current={current === 'subscriptions'}>
        Subscriptions
      </Link>
    </nav>
  );
}
