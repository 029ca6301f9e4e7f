export function App() {
  return <main class="utrecht-page"><h1 class="utrecht-heading-1">kluis</h1></main>;
}
