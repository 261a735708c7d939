export * from "./pipeline";
export * from "./stages";
