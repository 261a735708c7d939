export * from "./cluster";
export * from "./common";
export * from "./docker";
export * from "./init-sql";
export * from "./kubernetes";
export * from "./operator";
