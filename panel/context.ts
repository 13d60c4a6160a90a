import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Store } from './store';
import type { Controller } from './controller';
import type { QueryController, QueryState } from './query';

export interface PanelParts {
  store: Store;
  controller: Controller;
  /** The Query and Diff views. */
  query: QueryState;
  queries: QueryController;
}

export const PanelContext = createContext<PanelParts | null>(null);

export function usePanel(): PanelParts {
  const value = useContext(PanelContext);
  if (!value) throw new Error('usePanel() outside <PanelContext.Provider>');
  return value;
}
