import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Store } from './store';
import type { Controller } from './controller';

export const PanelContext = createContext<{ store: Store; controller: Controller } | null>(null);

export function usePanel(): { store: Store; controller: Controller } {
  const value = useContext(PanelContext);
  if (!value) throw new Error('usePanel() outside <PanelContext.Provider>');
  return value;
}
