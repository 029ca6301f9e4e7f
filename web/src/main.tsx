import { render } from "preact";
import { App } from "./app";
import { copy } from "./copy";

document.documentElement.lang = copy.value.lang;
const root = document.getElementById("app");
if (root) render(<App />, root);
