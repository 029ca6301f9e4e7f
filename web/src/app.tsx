// Which screen to show: the invite page, the accessibility statement (for
// everyone), the unlock screen until the keys are open, then the app.

import { route } from "./router";
import { session } from "./session";
import { Accessibility } from "./screens/accessibility";
import { Home } from "./screens/home";
import { Unlock } from "./screens/unlock";
import { Welcome } from "./screens/welcome";

export function App() {
  const r = route.value;
  if (r === "/welkom" && !session.value) return <Welcome />;
  if (r === "/toegankelijkheid") return <Accessibility />;
  if (!session.value) return <Unlock />;
  return <Home />;
}
