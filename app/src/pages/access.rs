//! «Доступ»: a head invites people (a link with a one-time code and a
//! role), sees the devices of their school or district and revokes them;
//! the district head also adds the district's schools. All of it needs the
//! server, so the screen says so when offline.

use leptos::prelude::*;
use serde_json::{Value, json};
use shared::{FieldErrors, Role, Values};

use crate::components::form::{RecordForm, choice, form_error, text};
use crate::device::{self, Me};
use crate::repo::Ui;

/// The roles `me` may hand out, and the schools it may invite to.
fn invitable(me: &Me) -> (Vec<Role>, Vec<(String, String)>) {
    let schools = me.schools.iter().map(|s| (s.id.to_string(), s.name.clone())).collect();
    let some_school = me.grant.school.or_else(|| me.schools.first().map(|s| s.id));
    let roles = Role::ALL
        .iter()
        .copied()
        .filter(|r| me.grant.may_invite(*r, if r.is_school_role() { some_school } else { None }))
        .collect();
    (roles, schools)
}

/// People and devices.
#[component]
pub fn AccessPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let link = RwSignal::new(None::<String>);
    let devices = RwSignal::new(Vec::<Value>::new());
    let problem = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match device::api("GET", "/api/devices", None).await {
                Ok(Value::Array(list)) => {
                    devices.set(list);
                    problem.set(None);
                }
                Ok(_) => {}
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    reload();

    let invite = Callback::new(move |v: Values| {
        let role = Role::from_code(v.get("role")).ok_or_else(|| form_error("Выберите роль".into()))?;
        let school = role.is_school_role().then(|| v.get("school").to_owned());
        if school.as_deref() == Some("") {
            let mut e = FieldErrors::default();
            e.add("school", "Выберите школу");
            return Err(e);
        }
        let body = json!({ "role": role.code(), "school": school, "note": v.get("note") });
        leptos::task::spawn_local(async move {
            match device::api("POST", "/api/invitations", Some(body)).await {
                Ok(answer) => {
                    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                    link.set(answer["code"].as_str().map(|c| format!("{origin}/#/join/{c}")));
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
        Ok(())
    });
    let add_school = Callback::new(move |v: Values| {
        let name = v.get("name").trim().to_owned();
        if name.is_empty() {
            let mut e = FieldErrors::default();
            e.add("name", "Укажите название школы");
            return Err(e);
        }
        leptos::task::spawn_local(async move {
            match device::api("POST", "/api/schools", Some(json!({ "name": name }))).await {
                Ok(_) => match device::refresh().await {
                    Ok(me) => ui.me.set(Some(me)),
                    Err(e) => problem.set(Some(e.message())),
                },
                Err(e) => problem.set(Some(e.message())),
            }
        });
        Ok(())
    });
    let revoke = move |id: String| {
        leptos::task::spawn_local(async move {
            match device::api("POST", &format!("/api/devices/{id}/revoke"), None).await {
                Ok(_) => reload(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    move || {
        let Some(me) = ui.me.get() else { return ().into_any() };
        let (roles, schools) = invitable(&me);
        let role_options: Vec<(String, String)> =
            roles.iter().map(|r| (r.code().to_owned(), r.label().to_owned())).collect();
        let first_role = roles.first().map(|r| r.code()).unwrap_or_default();
        let first_school = schools.first().map(|s| s.0.clone()).unwrap_or_default();
        let initial = Values::default().with("role", first_role).with("school", first_school).with("note", "");
        let district_head = me.grant.role == Role::DistrictHead;
        let me_for_rows = me.clone();
        view! {
            <section class="access">
                <h2>"Пригласить"</h2>
                <p class="note">
                    "Ссылка действует 14 дней и подключает одно устройство. Отправьте её человеку \
                     любым способом; открыв её, он попадёт в приложение со своей ролью."
                </p>
                <RecordForm
                    fields=vec![
                        choice("role", "Роль", role_options),
                        choice("school", "Школа (для членов МО и руководителей МО)", schools),
                        text("note", "Для кого (необязательно)"),
                    ]
                    initial=initial
                    on_save=invite
                    on_cancel=Callback::new(move |()| link.set(None))
                    testid="invite-form"
                />
                {move || link.get().map(|l| view! {
                    <p class="invitation">"Ссылка-приглашение: "<code data-testid="invitation-link">{l}</code></p>
                })}
                <Show when=move || problem.with(Option::is_some)>
                    <p class="field-error" role="alert" data-testid="access-error">{move || problem.get()}</p>
                </Show>
                {district_head.then(|| view! {
                    <h2>"Школы района"</h2>
                    <ul data-testid="schools">
                        {me.schools.iter().map(|s| view! { <li data-testid="school-row">{s.name.clone()}</li> }).collect_view()}
                    </ul>
                    <RecordForm
                        fields=vec![text("name", "Новая школа")]
                        initial=Values::default().with("name", "")
                        on_save=add_school
                        on_cancel=Callback::new(|()| {})
                        testid="school-form"
                    />
                })}
                <h2>"Устройства"</h2>
                <ul class="devices" data-testid="devices">
                    {move || {
                        let me = me_for_rows.clone();
                        devices
                            .get()
                            .into_iter()
                            .map(|d| {
                                let id = d["id"].as_str().unwrap_or_default().to_owned();
                                let revoked = d["revoked_ms"].is_i64();
                                let role = d["role"].as_str().and_then(Role::from_code).map(Role::label).unwrap_or_default();
                                let school = d["school"].as_str().and_then(|s| s.parse().ok()).map(|s| me.school_name(s));
                                let own = id == me.device_id;
                                view! {
                                    <li data-testid="device-row" class:revoked=revoked>
                                        <span class="name">{d["name"].as_str().unwrap_or_default().to_owned()}</span>
                                        " · "{role}{school.map(|s| format!(" · {s}"))}
                                        {revoked.then_some(" · доступ отозван")}
                                        {own.then_some(" · это устройство")}
                                        {(!revoked && !own).then(|| {
                                            let id = id.clone();
                                            view! {
                                                <button data-testid="revoke" on:click=move |_| revoke(id.clone())>"Отозвать доступ"</button>
                                            }
                                        })}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </section>
        }
        .into_any()
    }
}
