/** Vite's `?raw` imports: a file's text (the config test reads the README, wrangler.toml and .dev.vars.example). */
declare module "*?raw" {
  const text: string;
  export default text;
}
