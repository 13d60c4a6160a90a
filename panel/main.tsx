import { render } from 'preact';

function App() {
  return <main>OPFS Snapshots</main>;
}

render(<App />, document.getElementById('app')!);
