// Files imported `with { type: "text" }`: Bun gives their content as a string (and bundles it into the executable).
declare module "*.sh" {
  const text: string;
  export default text;
}
