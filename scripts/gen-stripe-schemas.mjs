// Generates tests/emulator/stripe-schemas.json: the response shapes of the Stripe objects the
// emulator serves, read from the installed `stripe` SDK's TypeScript types (which the SDK generates
// from Stripe's OpenAPI description for its pinned API version). Run after upgrading `stripe`:
//   node scripts/gen-stripe-schemas.mjs
// Format (compact on purpose): types[name] = { p: { prop: T }, o: [optional props] } where T is
//   "string" | "number" | "boolean" | "null" | "any" | ["enum", ...values] | { a: T } (array) |
//   { m: T } (string map) | { r: name } (object type) | { u: [T...] } (any of) |
//   { x: [names] } (expandable: an id string, or the object when expanded).
// Enums list only the values the SDK declares (its `OtherString` escape hatch is not a value).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "tests/emulator/stripe-schemas.json");
const sdkDir = path.join(root, "node_modules/stripe/esm");

// Object types the emulator returns (top level, in lists, expanded, or as event data).
const ROOTS = [
  "Customer", "DeletedCustomer", "PaymentMethod", "PaymentIntent", "Charge", "Refund", "Checkout.Session",
  "LineItem", "Product", "Price", "Subscription", "SubscriptionItem", "Invoice", "InvoiceLineItem",
  "InvoiceItem", "InvoicePayment", "TestHelpers.TestClock", "TestHelpers.DeletedTestClock", "Account",
  "DeletedAccount", "AccountLink", "Transfer", "TransferReversal", "BankAccount", "Balance", "Dispute",
];

const probe = path.join(root, "node_modules/.cache/stripe-schema-probe.ts");
fs.mkdirSync(path.dirname(probe), { recursive: true });
fs.writeFileSync(
  probe,
  `import Stripe from "stripe";\nexport interface Roots {\n${ROOTS.map((r) => `  "${r}": Stripe.${r};`).join("\n")}\n  "Event": Stripe.Event;\n}\n`,
);
const program = ts.createProgram([probe], {
  strict: true,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();
const file = program.getSourceFile(probe);
const rootsDecl = file.statements.find((s) => ts.isInterfaceDeclaration(s));
const rootsType = checker.getTypeAtLocation(rootsDecl);

const types = {};
const names = new Map(); // ts.Type -> name
const queue = [];
const rootNames = new Set();

const typeOfProp = (sym) => {
  const decl = sym.valueDeclaration ?? sym.declarations?.[0];
  return decl ? checker.getTypeOfSymbolAtLocation(sym, decl) : checker.getDeclaredTypeOfSymbol(sym);
};

function nameOf(type) {
  if (names.has(type)) return names.get(type);
  const sym = type.aliasSymbol ?? type.symbol;
  const decl = sym?.declarations?.[0];
  const rel = decl ? path.relative(path.join(sdkDir, "resources"), decl.getSourceFile().fileName).replace(/\.d\.ts$/, "") : "anon";
  let qualified = checker.getFullyQualifiedName(sym).replace(/^".*?"\./, "");
  let name = `${rel}:${qualified}`;
  let n = 2;
  while ([...names.values()].includes(name)) name = `${rel}:${qualified}#${n++}`;
  names.set(type, name);
  queue.push([name, type]);
  return name;
}

const isOtherString = (t) => t.flags & ts.TypeFlags.Intersection && t.types.some((x) => x.flags & ts.TypeFlags.String);
const isNamedObject = (t) => t.flags & ts.TypeFlags.Object && t.symbol && t.symbol.name !== "__type" && t.symbol.name !== "__object";
const hasProp = (t, p) => !!checker.getPropertyOfType(t, p);

function convert(type) {
  const f = type.flags;
  if (f & ts.TypeFlags.Any || f & ts.TypeFlags.Unknown) return "any";
  if (f & ts.TypeFlags.String) return "string";
  if (f & ts.TypeFlags.Number) return "number";
  if (f & ts.TypeFlags.Boolean) return "boolean";
  if (f & ts.TypeFlags.Null) return "null";
  if (f & ts.TypeFlags.StringLiteral) return ["enum", type.value];
  if (f & ts.TypeFlags.NumberLiteral) return ["enum", type.value];
  if (f & ts.TypeFlags.BooleanLiteral) return ["enum", type.intrinsicName === "true"];
  if (f & ts.TypeFlags.Union) {
    let members = type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined) && !isOtherString(t));
    // true | false → boolean
    const bools = members.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    if (bools.length === 2) members = [...members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)), checker.getBooleanType()];
    const hasString = members.some((t) => t.flags & ts.TypeFlags.String);
    const objects = members.filter((t) => isNamedObject(t) && !checker.isArrayType(t) && hasProp(t, "id"));
    const out = [];
    if (hasString && objects.length) {
      out.push({ x: objects.map((t) => (rootNames.has(t) ? nameOf(t) : expandableName(t))) });
      members = members.filter((t) => !objects.includes(t) && !(t.flags & ts.TypeFlags.String));
    }
    const literals = members.filter((t) => t.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral));
    if (literals.length) out.push(["enum", ...literals.map((t) => t.value)]);
    for (const t of members) if (!literals.includes(t)) out.push(convert(t));
    return out.length === 1 ? out[0] : { u: out };
  }
  if (f & ts.TypeFlags.Intersection) {
    if (isOtherString(type)) return "string";
    return "any";
  }
  if (f & ts.TypeFlags.Object) {
    if (checker.isArrayType(type) || checker.isTupleType(type)) return { a: convert(checker.getTypeArguments(type)[0]) };
    const props = checker.getPropertiesOfType(type);
    const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
    if (!props.length && index) return { m: convert(index.type) };
    if (!props.length) return "any";
    return { r: nameOf(type) };
  }
  return "any";
}

/** An expandable object type the emulator never returns expanded: only its `object` value is kept. */
function expandableName(type) {
  const objectProp = checker.getPropertyOfType(type, "object");
  const value = objectProp ? typeOfProp(objectProp) : null;
  return `~${value && value.flags & ts.TypeFlags.StringLiteral ? value.value : type.symbol.name}`;
}

// Kept small: the per-payment-method-type details of methods the emulator never offers (only cards),
// and nested objects it never produces, are not described (any value passes there).
const PER_METHOD = /(PaymentMethodDetails|PaymentMethodOptions|NextAction|DestinationDetails)$|^PaymentMethod$/;
const KEEP_IN_PER_METHOD = new Set(["card", "type"]);
const NOT_DESCRIBED = new Set(["source", "setup_intent", "individual", "future_requirements", "last_setup_error"]);

function describe(type, name) {
  const p = {};
  const o = [];
  const perMethod = PER_METHOD.test(name.split(":").pop());
  for (const sym of checker.getPropertiesOfType(type)) {
    if (sym.flags & ts.SymbolFlags.Method) continue;
    const optional = sym.flags & ts.SymbolFlags.Optional;
    const skip = NOT_DESCRIBED.has(sym.name) || (perMethod && optional && !KEEP_IN_PER_METHOD.has(sym.name));
    p[sym.name] = skip ? "any" : convert(typeOfProp(sym));
    if (optional) o.push(sym.name);
  }
  return o.length ? { p, o } : { p };
}

// Roots first (their names are stable and short).
const rootTypes = {};
for (const sym of checker.getPropertiesOfType(rootsType)) {
  if (sym.name === "Event") continue;
  const t = typeOfProp(sym);
  rootNames.add(t);
  names.set(t, sym.name);
  rootTypes[sym.name] = t;
}
for (const [name, t] of Object.entries(rootTypes)) queue.push([name, t]);

// Events: the envelope, and each event type's data.object type (when it is a root).
const eventUnion = typeOfProp(checker.getPropertyOfType(rootsType, "Event"));
const events = {};
let envelope = null;
for (const member of eventUnion.types) {
  const typeName = typeOfProp(checker.getPropertyOfType(member, "type")).value;
  const data = typeOfProp(checker.getPropertyOfType(member, "data"));
  const object = typeOfProp(checker.getPropertyOfType(data, "object"));
  if (rootNames.has(object)) events[typeName] = names.get(object);
  envelope ??= member;
}
const eventShape = describe(envelope, "Event");
delete eventShape.p.data;
delete eventShape.p.type;
eventShape.p.type = "string";
eventShape.p.data = "any";

while (queue.length) {
  const [name, type] = queue.shift();
  if (types[name]) continue;
  types[name] = describe(type, name);
}
types.Event = eventShape;

const objects = {};
for (const [name, t] of Object.entries(rootTypes)) {
  const objectProp = checker.getPropertyOfType(t, "object");
  const value = objectProp && typeOfProp(objectProp);
  if (value?.flags & ts.TypeFlags.StringLiteral) (objects[value.value] ??= []).push(name);
}

const sdk = JSON.parse(fs.readFileSync(path.join(root, "node_modules/stripe/package.json"), "utf8")).version;
const apiVersion = /ApiVersion = '([^']+)'/.exec(fs.readFileSync(path.join(root, "node_modules/stripe/esm/apiVersion.js"), "utf8"))[1];
const result = { source: `stripe-node ${sdk} types`, apiVersion, objects, events, types };
fs.writeFileSync(out, JSON.stringify(result) + "\n");
console.log(`wrote ${path.relative(root, out)}: ${Object.keys(types).length} types, ${Object.keys(events).length} event types, ${(fs.statSync(out).size / 1024).toFixed(0)} KB`);
