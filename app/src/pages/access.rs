//! «Доступ»: a head invites people (a link with a one-time code and a
//! role), sees the devices of their school or district and revokes them;
//! the district head also adds the district's schools. All of it needs the
//! server, so the screen says so when offline.

use leptos::prelude::*;
use serde::Serialize;
use serde_json::Value;
use shared::{Date, DocumentId, FieldErrors, Role, Values};

use crate::components::form::{RecordForm, at_once, choice, form_error, member, text};
use crate::device::{self, Me};
use crate::ui::Ui;

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
    let invitations = RwSignal::new(Vec::<Value>::new());
    let problem = RwSignal::new(None::<String>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            for (path, list) in [("/api/devices", devices), ("/api/invitations", invitations)] {
                match device::api("GET", path, None).await {
                    Ok(Value::Array(items)) => {
                        list.set(items);
                        problem.set(None);
                    }
                    Ok(_) => {}
                    Err(e) => problem.set(Some(e.message())),
                }
            }
        });
    };
    reload();
    // A head's action on a person or an invitation, then the lists again.
    let act = move |path: String| {
        leptos::task::spawn_local(async move {
            match device::api("POST", &path, None).await {
                Ok(_) => reload(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    let invite = move |v: Values| {
        let role = Role::from_code(v.get("role")).ok_or_else(|| form_error("Выберите роль".into()))?;
        let school = role.is_school_role().then(|| v.get("school").to_owned());
        if school.as_deref() == Some("") {
            let mut e = FieldErrors::default();
            e.add("school", "Выберите школу");
            return Err(e);
        }
        let member = Some(v.get("member")).filter(|m| !m.is_empty()).map(str::to_owned);
        #[derive(Serialize)]
        struct Invite<'a> {
            role: &'a str,
            school: Option<String>,
            note: &'a str,
            member: Option<String>,
        }
        let body = device::json(&Invite { role: role.code(), school, note: v.get("note"), member });
        leptos::task::spawn_local(async move {
            match device::api("POST", "/api/invitations", body).await {
                Ok(answer) => {
                    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                    link.set(answer["code"].as_str().map(|c| format!("{origin}/#/join/{c}")));
                    reload();
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
        Ok(())
    };
    // Links a device to its person's member record (or unlinks it).
    let link_member = move |device: String, member: String| {
        #[derive(Serialize)]
        struct Linked {
            member: Option<String>,
        }
        let body = device::json(&Linked { member: Some(member).filter(|m| !m.is_empty()) });
        leptos::task::spawn_local(async move {
            match device::api("POST", &format!("/api/devices/{device}/member"), body).await {
                Ok(_) => reload(),
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };
    let renaming = RwSignal::new(None::<DocumentId>);
    // Adds a school (`None`) or renames one, then reloads the district's list.
    let put_school = move |school: Option<DocumentId>, v: Values| {
        let name = v.get("name").trim().to_owned();
        if name.is_empty() {
            let mut e = FieldErrors::default();
            e.add("name", "Укажите название школы");
            return Err(e);
        }
        let path = school.map_or_else(|| "/api/schools".to_owned(), |id| format!("/api/schools/{id}"));
        #[derive(Serialize)]
        struct Named {
            name: String,
        }
        let body = device::json(&Named { name });
        leptos::task::spawn_local(async move {
            match device::api("POST", &path, body).await {
                Ok(_) => match device::refresh().await {
                    Ok(me) => {
                        renaming.set(None);
                        ui.me.set(Some(me));
                    }
                    Err(e) => problem.set(Some(e.message())),
                },
                Err(e) => problem.set(Some(e.message())),
            }
        });
        Ok(())
    };

    move || {
        let Some(me) = ui.settled.get() else { return ().into_any() };
        let (roles, schools) = invitable(&me);
        let role_options: Vec<(String, String)> =
            roles.iter().map(|r| (r.code().to_owned(), r.label().to_owned())).collect();
        let first_role = roles.first().map(|r| r.code()).unwrap_or_default();
        let first_school = schools.first().map(|s| s.0.clone()).unwrap_or_default();
        let initial = Values::default().with("role", first_role).with("school", first_school).with("note", "");
        let district_head = me.grant.role == Role::DistrictHead;
        let school_head = me.grant.role == Role::SchoolHead;
        let me_for_rows = me.clone();
        let me_for_invitations = me.clone();
        view! {
            <section class="access">
                <h2>"Пригласить"</h2>
                <p class="note">
                    "Ссылка действует 14 дней и подключает одно устройство. Отправьте её человеку \
                     любым способом; открыв её, он попадёт в приложение со своей ролью."
                </p>
                <RecordForm
                    fields={
                        let mut fields = vec![
                            choice("role", "Роль", role_options),
                            choice("school", "Школа (для членов МО и руководителей МО)", schools),
                            text("note", "Для кого (необязательно)"),
                        ];
                        if school_head {
                            fields.push(member("member", "Чьё это будет устройство (запись в списке членов МО)"));
                        }
                        fields
                    }
                    initial=initial
                    on_save=Callback::new(move |v| at_once(invite(v)))
                    on_cancel=Callback::new(move |()| link.set(None))
                    testid="invite-form"
                    save_label="Создать ссылку"
                />
                {move || link.get().map(|l| view! {
                    <p class="invitation">"Ссылка-приглашение: "<code data-testid="invitation-link">{l}</code></p>
                })}
                <h2>"Приглашения"</h2>
                <ul class="invitations" data-testid="invitations">
                    {move || {
                        let me = me_for_invitations.clone();
                        invitations.get().into_iter().map(|i| invitation_row(&me, &i, act)).collect_view()
                    }}
                </ul>
                <Show when=move || problem.with(Option::is_some)>
                    <p class="field-error" role="alert" data-testid="access-error">{move || problem.get()}</p>
                </Show>
                {district_head.then(|| view! {
                    <h2>"Школы района"</h2>
                    <ul data-testid="schools">
                        {me.schools.iter().map(|s| {
                            let (id, name) = (s.id, s.name.clone());
                            view! {
                                <li data-testid="school-row">
                                    <Show
                                        when=move || renaming.get() == Some(id)
                                        fallback={
                                            let name = name.clone();
                                            move || view! {
                                                <span class="name">{name.clone()}</span>
                                                <button data-testid="rename-school" on:click=move |_| renaming.set(Some(id))>"Переименовать"</button>
                                            }
                                        }
                                    >
                                        <RecordForm
                                            fields=vec![text("name", "Название школы")]
                                            initial=Values::default().with("name", name.clone())
                                            on_save=Callback::new(move |v| at_once(put_school(Some(id), v)))
                                            on_cancel=Callback::new(move |()| renaming.set(None))
                                            testid="rename-form"
                                        />
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <RecordForm
                        fields=vec![text("name", "Новая школа")]
                        initial=Values::default().with("name", "")
                        on_save=Callback::new(move |v| at_once(put_school(None, v)))
                        testid="school-form"
                        save_label="Добавить школу"
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
                                let linked = d["member"].as_str().unwrap_or_default().to_owned();
                                view! {
                                    <li data-testid="device-row" class:revoked=revoked>
                                        <span class="name">{d["name"].as_str().unwrap_or_default().to_owned()}</span>
                                        " · "{role}{school.map(|s| format!(" · {s}"))}
                                        {revoked.then_some(" · доступ отозван")}
                                        {own.then_some(" · это устройство")}
                                        {(!revoked && school_head).then(|| {
                                            let id = id.clone();
                                            member_link(ui, linked, move |m| link_member(id.clone(), m))
                                        })}
                                        {(!revoked && !own).then(|| {
                                            let id = id.clone();
                                            view! {
                                                <button data-testid="revoke" on:click=move |_| act(format!("/api/devices/{id}/revoke"))>"Отозвать доступ"</button>
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

/// Whose device it is in the member list: a choice of the school's
/// members, saved as soon as it is made.
fn member_link(ui: Ui, linked: String, link: impl Fn(String) + 'static) -> impl IntoView {
    let options: Vec<(String, String)> = ui.records.with_untracked(|r| {
        let mut list = vec![(String::new(), "— не связано с членом МО".to_owned())];
        if let Some(r) = r {
            list.extend(r.active_members().iter().map(|m| (m.id.to_string(), m.full_name.clone())));
        }
        list
    });
    view! {
        <label class="member-link">
            " · член МО: "
            <select data-testid="device-member" on:change=move |ev| link(event_target_value(&ev))>
                {options
                    .into_iter()
                    .map(|(code, label)| {
                        let selected = code == linked;
                        view! { <option value=code selected=selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A day from milliseconds since the epoch, «ДД.ММ.ГГГГ».
fn day(ms: &Value) -> String {
    ms.as_i64().map(|ms| Date::from_unix_ms(ms).to_string()).unwrap_or_default()
}

/// An invitation: for whom, as what, and where it stands; a pending one
/// can be cancelled.
fn invitation_row(me: &Me, i: &Value, act: impl Fn(String) + Copy + 'static) -> AnyView {
    let id = i["id"].as_str().unwrap_or_default().to_owned();
    let role = i["role"].as_str().and_then(Role::from_code).map(Role::label).unwrap_or_default();
    let school = i["school"].as_str().and_then(|s| s.parse().ok()).map(|s| format!(" · {}", me.school_name(s)));
    let note = i["note"].as_str().filter(|n| !n.is_empty()).unwrap_or("без пометки").to_owned();
    let state = i["state"].as_str().unwrap_or_default();
    let status = match state {
        "pending" => format!("ждёт до {}", day(&i["expires_ms"])),
        "used" => format!(
            "использовано {}{}",
            day(&i["used_ms"]),
            i["used_by"].as_str().map(|n| format!(" — {n}")).unwrap_or_default()
        ),
        "expired" => format!("истекло {}", day(&i["expires_ms"])),
        _ => "отменено".to_owned(),
    };
    view! {
        <li data-testid="invitation-row" data-state=state.to_owned()>
            <span class="name">{note}</span>
            " · "{role}{school}" · "
            <span data-testid="invitation-state">{status}</span>
            {(state == "pending").then(|| view! {
                <button data-testid="cancel-invitation" on:click=move |_| act(format!("/api/invitations/{id}/cancel"))>
                    "Отменить"
                </button>
            })}
        </li>
    }
    .into_any()
}
