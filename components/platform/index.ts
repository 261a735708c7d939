export * from "./docker";
export * from "./kubernetes";
export * from "./target";
export * from "./outputs";
